/**
 * @module metrics-route
 * A function's metrics for whoever collects them (docs/operations.md#metrics): `GET /metrics`,
 * signed like any internal request (trusted-zone.ts), answers this isolate's registry as a JSON
 * snapshot (shared/metrics/snapshot.ts) with `region` and `component` labels on every series. The local cloud's
 * control port scrapes it from every function of both regions and sums; the operator CLI reads
 * it too. The dual-writing KV's per-isolate counters (Vellum's fallback reads, read-repairs and
 * failed writes) join the registry as counter sources the first time a request sees the clients.
 */
import type { FunctionEnv } from '../config/function-env'
import type { FunctionName, Region } from '../config/regions'
import { createReplayGuard } from '../hop/replay-guard'
import { type HopKeys, verifySignature } from '../hop/signature'
import { METRICS } from '../metrics/catalogue'
import { isolateRegistry } from '../metrics/isolate'
import { withLabels } from '../metrics/snapshot'
import type { StoreClients } from '../vellum/clients'
import { kvCountersFor } from '../vellum/factory'

const watched = new WeakSet<StoreClients>()

/** Adds the KV counters of `stores` to the isolate's registry (once per clients object). */
export function watchKvCounters(stores: StoreClients): void {
  if (watched.has(stores)) return
  watched.add(stores)
  const c = kvCountersFor(stores)
  isolateRegistry.counterSource(METRICS.kvFallbacks, () => [
    { labels: {}, value: c.remoteFallbackReads },
  ])
  isolateRegistry.counterSource(METRICS.kvRepairs, () => [{ labels: {}, value: c.localRepairs }])
  isolateRegistry.counterSource(METRICS.kvWriteFailures, () => [
    { labels: { where: 'local' }, value: c.localWriteFailures },
    { labels: { where: 'remote' }, value: c.remoteWriteFailures },
  ])
}

/** This isolate's metrics, labelled with its region and component. */
export function labelledSnapshot(region: Region | string, component: string) {
  return withLabels(isolateRegistry.snapshot(), { region, component })
}

const keysCache = new WeakMap<FunctionEnv, HopKeys>()

/**
 * The answer to `GET /metrics` on function `self`: 401 unless signed for this function in this
 * region (architecture §3), else the labelled snapshot as JSON.
 */
export async function metricsResponse(
  req: Request,
  env: FunctionEnv,
  self: FunctionName
): Promise<Response> {
  let keys = keysCache.get(env)
  if (!keys) {
    keys = {
      secret: env.HOP_SECRET,
      previous: env.HOP_SECRET_PREVIOUS,
      self: [env.FUNCTION_URLS[env.REGION][self]],
      maxSkewMs: env.HOP_MAX_SKEW_MS,
      replay: createReplayGuard(env.HOP_REPLAY_CAPACITY),
    }
    keysCache.set(env, keys)
  }
  const v = await verifySignature(keys, req.method, req.url, req.headers, new Uint8Array())
  if (!v.ok) return Response.json({ error: 'forbidden', reason: v.reason }, { status: 401 })
  return Response.json(labelledSnapshot(env.REGION, self))
}
