/**
 * @module ellis/production-deps
 * The production {@link DepsResolver}: Vellum's adapters built from the function's services for
 * this request, Ellis's configuration from the bindings, the runtime's `fetch`, the mailer the
 * configuration names (mail-config.ts: the signed webhook; the outbox only in the local cloud;
 * otherwise none), and the isolate's caches. One set per request (memoised on the request), so
 * the round-trip counter covers exactly one request.
 */
import type { RawEnv } from '../../shared/config/function-env'
import { createVellum } from '../../shared/vellum/factory'
import { ellisConfig } from './ellis-config'
import { type DepsResolver, type EllisDeps, type IsolateState, newIsolateState } from './ellis-deps'
import { mailSetup } from './mail-config'
import { type Mailer, NoMailer, OutboxMailer, WebhookMailer } from './mailer'
import { throttleConfig } from './throttle-config'

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

function mailerFor(
  raw: RawEnv,
  kv: EllisDeps['kv'],
  outbound: EllisDeps['fetch'],
  services: { log: EllisDeps['log']; clock: EllisDeps['clock'] }
): Mailer {
  const now = () => services.clock.now()
  const setup = mailSetup(raw)
  if (setup.kind === 'webhook')
    return new WebhookMailer(setup.url, setup.secret, outbound, services.log, now)
  if (setup.kind === 'outbox') return new OutboxMailer(kv, services.log, now)
  return new NoMailer()
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
    throttle: throttleConfig(raw),
    mailer: mailerFor(raw, vellum.kv, outbound, services),
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
