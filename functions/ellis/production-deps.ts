/**
 * @module ellis/production-deps
 * The production {@link DepsResolver}: Vellum's adapters built from the function's services for
 * this request, Ellis's configuration from the bindings, the runtime's `fetch`, the mailer the
 * configuration names (webhook, or the logging outbox), and the isolate's caches. One set per
 * request (memoised on the request), so the round-trip counter covers exactly one request.
 */
import type { RawEnv } from '../../shared/config/function-env'
import { createVellum } from '../../shared/vellum/factory'
import { ellisConfig } from './ellis-config'
import { type DepsResolver, type EllisDeps, type IsolateState, newIsolateState } from './ellis-deps'
import { OutboxMailer, WebhookMailer } from './mailer'

const perRequest = new WeakMap<Request, EllisDeps>()
const isolates = new WeakMap<object, IsolateState>()

function isolateFor(raw: RawEnv): IsolateState {
  let s = isolates.get(raw)
  if (!s) {
    s = newIsolateState()
    isolates.set(raw, s)
  }
  return s
}

export const productionDeps: DepsResolver = (c) => {
  const hit = perRequest.get(c.req.raw)
  if (hit) return hit
  const services = c.get('services')
  const raw = (c.env ?? {}) as RawEnv
  const config = ellisConfig(services.env, raw)
  const vellum = createVellum(services)
  const outbound = (url: string, init: RequestInit) => fetch(url, init)
  const deps: EllisDeps = {
    table: vellum.table,
    kv: vellum.kv,
    clock: services.clock,
    log: services.log,
    config,
    fetch: outbound,
    mailer: config.mailWebhook
      ? new WebhookMailer(config.mailWebhook, outbound, config.hopSecret, services.log)
      : new OutboxMailer(vellum.kv, services.log, () => services.clock.now()),
    isolate: isolateFor(raw),
    background: (work) => {
      try {
        c.executionCtx.waitUntil(work)
      } catch {
        // No execution context (Lambda): the promise runs on while the container lives.
      }
    },
  }
  perRequest.set(c.req.raw, deps)
  return deps
}
