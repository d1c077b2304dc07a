/**
 * @module sprout/routing/session-interval
 * Sprout's RFC 4028 §8.1 check of an INVITE's or UPDATE's session interval before it routes the
 * request (initial or in dialog): a `Session-Expires` below Min-SE (`MIN_SE_S`, default 90 s,
 * RFC 4028 §4; or the request's own Min-SE when larger) is answered 422 Session Interval Too Small
 * with `Min-SE` when the request's Supported lists `timer`, so the UAC retries with a longer
 * interval (§7.4); without `timer` the interval is raised to Min-SE and `Min-SE` set to it. The
 * rule itself is pure (shared/ims/session-timer.ts `checkInterval`).
 */
import { checkInterval } from '../../../shared/ims/session-timer'
import type { SipRequest } from '../../../shared/sip'
import { respondTo } from '../sip-build'
import type { RoutingDeps } from './routing-deps'

/** Applies RFC 4028 §8.1 to `req`; true when it was answered 422 and goes no further. */
export async function refusedInterval(d: RoutingDeps, req: SipRequest): Promise<boolean> {
  if (req.method !== 'INVITE' && req.method !== 'UPDATE') return false
  const check = checkInterval(
    {
      sessionExpires: req.get('session-expires')?.delta,
      minSe: req.get('min-se')?.delta,
      uacSupportsTimer: req.getAll('supported').some((t) => t.toLowerCase() === 'timer'),
    },
    { targetSeconds: d.routing.sessionExpiresS, minSeSeconds: d.routing.minSeS }
  )
  if (check.kind === 'ok') return false
  if (check.kind === 'raise') {
    const refresher = /;\s*refresher=(uac|uas)/i.exec(req.getRaw('session-expires') ?? '')?.[0]
    req.set('session-expires', `${check.minSe}${refresher ?? ''}`)
    req.set('min-se', String(check.minSe))
    return false
  }
  await d.sender.respond(
    respondTo(req, 422, 'Session Interval Too Small', {
      headers: [['Min-SE', String(check.minSe)]],
    })
  )
  return true
}
