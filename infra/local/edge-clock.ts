/**
 * @module local/edge-clock
 * Tells both edge entries the local cloud's clock offset (edge/local-clock.ts): the edge mints
 * the registrar's fresh digest challenges (edge/register-challenge.ts), and Sprout judges their
 * age by the driven clock its gateway passes it, so the edge must move with that clock. Signed
 * as any internal request; the control API answers a clock advance once both have it.
 */
import type { Region } from '../../shared/config/regions'
import { signedFetch } from '../../shared/hop/signed-fetch'

export async function tellEdgesClock(
  edges: Record<Region, string>,
  hopSecret: string,
  offsetMs: number
): Promise<void> {
  const body = JSON.stringify({ offsetMs })
  const sent = await Promise.allSettled(
    Object.values(edges).map(async (edge) => {
      const res = await signedFetch((u, i) => fetch(u, i), hopSecret, `${edge}/internal/clock`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
        signal: AbortSignal.timeout(5_000),
      })
      if (!res.ok) throw new Error(`${edge}: ${res.status}`)
    })
  )
  for (const s of sent)
    if (s.status === 'rejected') console.warn(`edge clock not moved: ${String(s.reason)}`)
}
