import { describe, expect, it } from 'vitest'
import type { Clock } from '../../shared/config/clock'
import { parseSimservs } from '../../shared/ims/simservs'
import { DEFAULT_SIMSERVS_XML } from '../../shared/ims/simservs-default'
import { createLogger } from '../../shared/log/logger'
import { createSimservsReader } from '../../shared/simservs/simservs-reader'
import { MemoryGlobalTable, MemoryRegionalKv, Unavailable } from '../../shared/vellum'
import type { GlobalTable } from '../../shared/vellum/global-table'
import type { RegionalKv } from '../../shared/vellum/regional-kv'
import { SimservsDocuments } from './simservs-documents'

const IMPU = 'sip:6505550001@example.com'
const log = createLogger({ component: 'test' }, { level: 'error' })

/** Counts calls per method of a store (a Proxy over the adapter). */
function counted<T extends object>(target: T) {
  const calls: Record<string, number> = {}
  let down = false
  const proxy = new Proxy(target, {
    get(t, prop, recv) {
      const v = Reflect.get(t, prop, recv)
      if (typeof v !== 'function') return v
      return (...args: unknown[]) => {
        calls[String(prop)] = (calls[String(prop)] ?? 0) + 1
        if (down) return Promise.reject(new Unavailable('down (test)', 'kv'))
        return v.apply(t, args)
      }
    },
  })
  return {
    proxy,
    calls,
    reset: () => {
      for (const k of Object.keys(calls)) delete calls[k]
    },
    setDown: (d: boolean) => {
      down = d
    },
  }
}

function setup() {
  const clock: Clock = { now: () => Date.UTC(2026, 0, 1) }
  const table = counted<GlobalTable>(new MemoryGlobalTable(clock))
  const kv = counted<RegionalKv>(new MemoryRegionalKv(clock))
  const deps = { table: table.proxy, kv: kv.proxy, clock, log }
  return { table, kv, docs: new SimservsDocuments(deps), reader: createSimservsReader(deps) }
}

describe('SimservsReader store cost', () => {
  it('costs one KV read and no table read on a hit', async () => {
    const s = setup()
    const parsed = parseSimservs(DEFAULT_SIMSERVS_XML)
    if (!parsed.ok) throw new Error('default must parse')
    await s.docs.put(IMPU, DEFAULT_SIMSERVS_XML, parsed.value, { ifMatch: null, ifNoneMatch: null })
    s.table.reset()
    s.kv.reset()
    const m = await s.reader.read(IMPU)
    expect(m?.cdiv?.noReplyTimerS).toBe(30)
    expect(s.kv.calls).toEqual({ hgetLive: 1 })
    expect(s.table.calls).toEqual({})
  })

  it('costs KV read, table read and one guarded fill on a miss; the next read is a hit', async () => {
    const s = setup()
    expect(await s.reader.read(IMPU)).toBeUndefined()
    expect(s.kv.calls).toEqual({ hgetLive: 1, hsetIfNewer: 1 })
    expect(s.table.calls).toEqual({ get: 1 })
    s.kv.reset()
    s.table.reset()
    expect((await s.reader.lookup(IMPU)).source).toBe('cache')
    expect(s.table.calls).toEqual({})
  })

  it('reads the table when the KV is down, and does not try to fill it', async () => {
    const s = setup()
    s.kv.setDown(true)
    const r = await s.reader.lookup(IMPU)
    expect(r).toEqual({ model: undefined, etag: undefined, source: 'table' })
    expect(s.kv.calls).toEqual({ hgetLive: 1 })
    expect(s.table.calls).toEqual({ get: 1 })
  })

  it('hands the fill to `defer` when given one', async () => {
    const clock: Clock = { now: () => 0 }
    const deferred: Promise<unknown>[] = []
    const reader = createSimservsReader({
      table: new MemoryGlobalTable(clock),
      kv: new MemoryRegionalKv(clock),
      clock,
      log,
      defer: (p) => deferred.push(p),
    })
    await reader.read(IMPU)
    expect(deferred).toHaveLength(1)
    await Promise.all(deferred)
    expect((await reader.lookup(IMPU)).source).toBe('cache')
  })
})
