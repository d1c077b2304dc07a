/**
 * The GlobalTable contract against the DynamoDB adapter on DynamoDB Local, plus the adapter's
 * round-trip counting and its typed errors.
 */

import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { describe, expect, it } from 'vitest'
import { ConditionFailed, RoundTrips, StoreError, Unavailable } from '../../shared/vellum'
import { DynamoGlobalTable } from '../../shared/vellum/table-dynamo'
import { CloudClock, credentials, table } from '../contracts/cloud-harness'
import { runGlobalTableContract } from '../contracts/global-table.case'
import { endpoints } from '../support/cloud'

runGlobalTableContract('DynamoDB Local', async () => {
  const clock = await new CloudClock(endpoints().control).sync()
  return { table: table(endpoints(), clock), advance: (ms) => clock.shift(ms), now: clock.now }
})

describe('DynamoGlobalTable specifics', () => {
  it('counts each call; independent reads in parallel cost one sequential round trip', async () => {
    const rt = new RoundTrips()
    const t = table(endpoints(), { now: Date.now }, rt)
    const pk = `rt-${Date.now()}`
    await Promise.all([t.put({ pk, sk: 'a' }), t.put({ pk, sk: 'b' })])
    await Promise.all([t.get({ pk, sk: 'a' }), t.get({ pk, sk: 'b' }), t.query({ pk })])
    expect(rt.snapshot()).toMatchObject({ calls: 5, depth: 2, byStore: { table: 5 } })
  })

  it('maps a conditional conflict to ConditionFailed and an unreachable endpoint to Unavailable', async () => {
    const t = table(endpoints(), { now: Date.now })
    const k = { pk: `typed-${Date.now()}`, sk: 'x' }
    await t.put({ ...k, v: 1 })
    const err = await t
      .put({ ...k, v: 2 }, { condition: { ifNotExists: true } })
      .catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ConditionFailed)
    expect((err as ConditionFailed).store).toBe('table')
    const dead = new DynamoGlobalTable(
      new DynamoDBClient({
        endpoint: 'http://127.0.0.1:1',
        region: 'local-a',
        credentials,
        maxAttempts: 1,
      }),
      'edgewater',
      { now: Date.now },
      new RoundTrips()
    )
    await expect(dead.get(k)).rejects.toBeInstanceOf(Unavailable)
    const missingTable = new DynamoGlobalTable(
      new DynamoDBClient({
        endpoint: endpoints().dynamodb,
        region: 'local-a',
        credentials,
        maxAttempts: 1,
      }),
      'no-such-table',
      { now: Date.now },
      new RoundTrips()
    )
    const e2 = await missingTable.get(k).catch((e: unknown) => e)
    expect(e2).toBeInstanceOf(StoreError)
    expect(e2).not.toBeInstanceOf(Unavailable)
  })
})
