import { describe, expect, it } from 'vitest'
import { diffCounts, parseCommandStats, routeKey, Tally } from './counters'
import { count, itemSize, TableCounter } from './emulators/dynamo-proxy'

describe('local cloud counters', () => {
  it('reads INFO commandstats as Upstash bills: MULTI, EXEC and INFO left out', () => {
    const info = [
      '# Commandstats',
      'cmdstat_eval:calls=6,usec=300,usec_per_call=50.00,rejected_calls=0,failed_calls=0',
      'cmdstat_hset:calls=4,usec=8,usec_per_call=2.00,rejected_calls=0,failed_calls=0',
      'cmdstat_multi:calls=2,usec=1,usec_per_call=0.50,rejected_calls=0,failed_calls=0',
      'cmdstat_exec:calls=2,usec=9,usec_per_call=4.50,rejected_calls=0,failed_calls=0',
      'cmdstat_info:calls=9,usec=90,usec_per_call=10.00,rejected_calls=0,failed_calls=0',
      'cmdstat_client|setname:calls=1,usec=1,usec_per_call=1.00,rejected_calls=0,failed_calls=0',
    ].join('\r\n')
    expect(parseCommandStats(info)).toEqual({ EVAL: 6, HSET: 4, 'CLIENT|SETNAME': 1 })
  })

  it('counts a window as the difference from its start, dropping zeros', () => {
    expect(diffCounts({ GET: 5, SET: 2, DEL: 1 }, { GET: 3, SET: 2 })).toEqual({ GET: 2, DEL: 1 })
  })

  it('keys routes with identifiers replaced', () => {
    expect(routeKey('GET', '/impi/6505550001%40example.com/av/digest?impu=x')).toBe(
      'GET /impi/*/av/digest'
    )
    expect(routeKey('POST', '/sip')).toBe('POST /sip')
    const t = new Tally()
    t.add('b')
    t.add('a', 2)
    expect(t.total).toBe(3)
    expect(t.toJSON()).toEqual({ a: 2, b: 1 })
  })

  it('estimates DynamoDB units: writes per KiB, transactional ×2, reads per 4 KiB', () => {
    const c = new TableCounter()
    const item = { pk: { S: 'x'.repeat(1500) }, n: { N: '12' } }
    expect(itemSize(item)).toBe(2 + 1500 + 1 + 2)
    const ok = Buffer.from('{}')
    count(c, 'PutItem', Buffer.from(JSON.stringify({ Item: item })), ok)
    expect(c.writeUnits).toBe(2)
    count(
      c,
      'TransactWriteItems',
      Buffer.from(JSON.stringify({ TransactItems: [{ Put: { Item: { pk: { S: 'a' } } } }] })),
      ok
    )
    expect(c.writeUnits).toBe(4)
    expect(c.replicatedWriteUnits).toBe(3)
    count(c, 'GetItem', Buffer.from('{}'), Buffer.from(JSON.stringify({ Item: item })))
    expect(c.readUnits).toBe(0.5)
    count(c, 'GetItem', Buffer.from('{"ConsistentRead":true}'), Buffer.from('{}'))
    expect(c.readUnits).toBe(1.5)
    // A failed operation counts, but costs no units.
    count(c, 'PutItem', Buffer.from(JSON.stringify({ Item: item })))
    expect(c.ops.toJSON()).toEqual({ GetItem: 2, PutItem: 2, TransactWriteItems: 1 })
    expect(c.writeUnits).toBe(4)
  })
})
