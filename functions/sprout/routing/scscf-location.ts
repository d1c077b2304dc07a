/**
 * @module sprout/routing/scscf-location
 * Where a served user's S-CSCF is, for the I-CSCF (icscf.ts) and for the end of originating
 * handling (pipeline.ts): the LIR with its failures mapped to the SIP answer (clearwater-interfaces
 * §5.7: Homestead unreachable is 504), whether an S-CSCF is this deployment's own, and the route
 * to another pool's S-CSCF for an on-net callee. With no other pool in `SCSCF_JSON`, no LIR is
 * made for an on-net call, so its costs do not change.
 */
import { classifyInternal } from '../../../shared/hop/internal-addresses'
import { parseUri } from '../../../shared/sip/uri'
import { HssError } from '../hss-client'
import { type LirAnswer, locationInfo } from './icscf-hss'
import type { RoutingDeps } from './routing-deps'
import { rankScscfs, scscfKey } from './scscf-selection'
import { looseRoute } from './sip-ops'

/**
 * Whether an S-CSCF URI names this deployment's S-CSCF: a Sprout of either region, or the name
 * Homestead gives when none was assigned (`SCSCF_URI`).
 */
export function isOwnScscf(d: Pick<RoutingDeps, 'defaultScscf'>, server: string): boolean {
  const key = scscfKey(server)
  if (key !== undefined && key === scscfKey(d.defaultScscf)) return true
  try {
    const u = parseUri(server.trim().replace(/^<(.*)>$/, '$1'))
    if (u.kind !== 'sip') return false
    const a = classifyInternal(u.host)
    return a?.kind === 'function' && a.fn === 'sprout'
  } catch {
    return false
  }
}

/** The LIR, its failure as the SIP status to answer. */
export async function lir(
  d: RoutingDeps,
  impu: string,
  originating: boolean,
  capab = false
): Promise<LirAnswer | { kind: 'error'; status: number; reason: string }> {
  try {
    return await locationInfo(d, impu, { originating, capab })
  } catch (err) {
    if (!(err instanceof HssError)) throw err
    d.log.warn('I-CSCF: LIR failed', { impu, error: err.message })
    return { kind: 'error', status: err.sipStatus, reason: 'Server Time-out (HSS)' }
  }
}

/** Whether `SCSCF_JSON` names an S-CSCF that is not this deployment's (several pools). */
export function hasOtherPools(d: Pick<RoutingDeps, 'defaultScscf' | 'routing'>): boolean {
  return d.routing.scscfs.some((s) => !isOwnScscf(d, s.server))
}

/**
 * The Route to another pool's S-CSCF for an on-net callee, or undefined to terminate here (no
 * other pool configured, the callee unknown, or served by this deployment). An unanswered LIR
 * terminates here too: this deployment's stores hold every subscriber it can serve.
 */
export async function otherPoolRoute(d: RoutingDeps, callee: string): Promise<string | undefined> {
  if (!hasOtherPools(d)) return undefined
  const a = await lir(d, callee, false)
  if (a.kind === 'scscf') return isOwnScscf(d, a.server) ? undefined : looseRoute(a.server)
  if (a.kind !== 'capabilities') return undefined
  const best = rankScscfs(d.routing.scscfs, a.caps, new Set(), d.random)[0]
  return best && !isOwnScscf(d, best) ? looseRoute(best) : undefined
}
