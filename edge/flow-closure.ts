/**
 * @module edge/flow-closure
 * The flow-closure notice (RFC 5626 §5.3: bindings over a dead flow are dead): the flow tells
 * its home region's Sprout, else the other region's, that its socket is gone.
 */
import { signedFetch } from '../shared/hop/signed-fetch'
import type { EdgeConfig } from './edge-config'
import type { FlowState } from './flow-state'

/** POSTs `/flows/<token>/closed`; true once a Sprout took it (or there was nothing to tell). */
export async function sendClosureNotice(
  cfg: Pick<EdgeConfig, 'functionUrls' | 'hopSecret' | 'upstreamTimeoutMs'>,
  state: Pick<FlowState, 'aor' | 'instance' | 'token' | 'home'>
): Promise<boolean> {
  if (!state.aor) return true
  const body = JSON.stringify({ aor: state.aor, instance: state.instance })
  const path = `/flows/${state.token}/closed`
  for (const region of [state.home, state.home === 'a' ? 'b' : 'a'] as const) {
    const url = `${cfg.functionUrls[region].sprout}${path}`
    try {
      // A timer cleared when the notice ends: nothing outlives it (hibernation).
      const abort = new AbortController()
      const timer = setTimeout(() => abort.abort(), cfg.upstreamTimeoutMs)
      try {
        const res = await signedFetch((u, i) => fetch(u, i), cfg.hopSecret, url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
          signal: abort.signal,
        })
        await res.arrayBuffer()
        return true
      } finally {
        clearTimeout(timer)
      }
    } catch {
      // transport failure: try the other region
    }
  }
  return false
}
