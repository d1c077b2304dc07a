/**
 * @module outbound-routes
 * The service bindings that let a local worker reach its loopback origins directly (see
 * shared/http/outbound-routes.ts): every `http://127.0.0.1:<port>` origin found in the worker's
 * bindings becomes an `external` service on that address, and `OUTBOUND_ROUTES` maps each origin
 * to its binding. Requests still reach the same gateways and emulators, so counting, region
 * loss and partitions behave as before.
 */
import type { WorkerOptions } from 'miniflare'
import { OUTBOUND_ROUTES } from '../../shared/http/outbound-routes'

const LOOPBACK_ORIGIN = /http:\/\/127\.0\.0\.1:(\d{1,5})/g

/** The loopback origins named anywhere in `bindings`' values (JSON maps included). */
export function loopbackOrigins(bindings: Record<string, unknown>): string[] {
  const ports = new Set<number>()
  for (const v of Object.values(bindings)) {
    if (typeof v !== 'string') continue
    for (const m of v.matchAll(LOOPBACK_ORIGIN)) ports.add(Number(m[1]))
  }
  return [...ports].sort((x, y) => x - y).map((p) => `http://127.0.0.1:${p}`)
}

/** The worker options that route `bindings`' loopback origins through service bindings. */
export function outboundRouteOptions(bindings: Record<string, string>): {
  serviceBindings: NonNullable<WorkerOptions['serviceBindings']>
  routes: Record<string, string>
} {
  const serviceBindings: NonNullable<WorkerOptions['serviceBindings']> = {}
  const names: Record<string, string> = {}
  for (const [i, origin] of loopbackOrigins(bindings).entries()) {
    const name = `OUTBOUND_${i + 1}`
    serviceBindings[name] = { external: { address: origin.slice('http://'.length), http: {} } }
    names[origin] = name
  }
  return { serviceBindings, routes: { [OUTBOUND_ROUTES]: JSON.stringify(names) } }
}
