/** @module timers/worker — Workers/miniflare entry: the app as a module worker. */
import { env } from 'cloudflare:workers'
import { routeOutbound } from '../../shared/http/outbound-routes'

// Origins served through service bindings, where the runtime has them (http/outbound-routes).
routeOutbound(env as unknown as Record<string, unknown>)

export { default } from './app'
