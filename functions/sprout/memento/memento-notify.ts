/**
 * @module sprout/memento/memento-notify
 * Memento's notification (clearwater-interfaces §8, `memento_notify_url`): when a user's call list
 * changes, `POST <MEMENTO_NOTIFY_URL>` with `{"impu":"<IMPU>"}`, signed for the trusted zone
 * (shared/hop/signature.ts) so the receiver can tell it came from Edgewater. Off unless the URL is
 * set. Runs in deferred work after the fragment is stored; a failure is logged and not retried.
 */
import { signedInit } from '../../../shared/hop/signed-fetch'
import type { RoutingDeps } from '../routing/routing-deps'

/** How long a notification may take. */
export const MEMENTO_NOTIFY_TIMEOUT_MS = 2_000

export async function notifyCallList(
  d: Pick<RoutingDeps, 'config' | 'hopSecret' | 'fetch' | 'log'>,
  impu: string
): Promise<void> {
  const url = d.config.MEMENTO_NOTIFY_URL
  if (!url) return
  const body = JSON.stringify({ impu })
  try {
    const init = await signedInit(d.hopSecret, url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    })
    const res = await d.fetch(url, {
      ...init,
      signal: AbortSignal.timeout(MEMENTO_NOTIFY_TIMEOUT_MS),
    })
    if (!res.ok) d.log.warn('call-list notification refused', { impu, status: res.status })
  } catch (err) {
    d.log.warn('call-list notification failed', { impu, error: String(err) })
  }
}
