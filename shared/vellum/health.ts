/**
 * @module health
 * Store reachability for `/healthz`: the local regional KV answers PING and the global table
 * answers DescribeTable, each within a bound so a dead store fails the check quickly.
 */
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb'
import type { StoreClients } from './clients'

export interface HealthReport {
  ok: boolean
  checks: Record<string, { ok: boolean; ms: number; error?: string }>
}

async function timed(fn: () => Promise<unknown>, timeoutMs: number) {
  const t0 = Date.now()
  try {
    await Promise.race([
      fn(),
      new Promise((_, reject) =>
        setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs)
      ),
    ])
    return { ok: true, ms: Date.now() - t0 }
  } catch (err) {
    return {
      ok: false,
      ms: Date.now() - t0,
      error: err instanceof Error ? err.message : String(err),
    }
  }
}

export async function checkStores(clients: StoreClients, timeoutMs = 2_000): Promise<HealthReport> {
  const [kv, table] = await Promise.all([
    timed(() => clients.kvLocal.ping(), timeoutMs),
    timed(
      () => clients.dynamo.send(new DescribeTableCommand({ TableName: clients.tableName })),
      timeoutMs
    ),
  ])
  return { ok: kv.ok && table.ok, checks: { kv, table } }
}
