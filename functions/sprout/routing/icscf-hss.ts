/**
 * @module sprout/routing/icscf-hss
 * The I-CSCF's questions to Homestead over Dime's signalling API (clearwater-interfaces §2.1):
 * the LIR `GET /impu/<impu>/location[?originating=true][&auth-type=CAPAB]` (TS 29.228 §6.1.4)
 * and the UAR.
 * Signed for the trusted zone, to this region's Dime, then the other region's on a transport
 * failure or a 5xx, as every Homestead request of Sprout goes (hss-client.ts). The answer names
 * the serving S-CSCF (`scscf`) or the capabilities one must have (TS 29.228 §6.1.1 Server-
 * Capabilities); 404 means the identity is unknown. The UAR of a REGISTER
 * `GET /impi/<impi>/registration-status` (TS 29.228 §6.1.1) answers the same way, 403 or 404 when
 * the user may not register here. No answer at all is {@link HssError} 504
 * (clearwater-interfaces §5.7: "HSS down: 504").
 */
import { peerOf } from '../../../shared/config/regions'
import { signedFetch } from '../../../shared/hop/signed-fetch'
import { HssError } from '../hss-client'
import type { RoutingDeps } from './routing-deps'
import type { ScscfCapabilities } from './scscf-selection'

export type LirAnswer =
  | { kind: 'scscf'; server: string; registered: boolean }
  | { kind: 'capabilities'; caps: ScscfCapabilities }
  | { kind: 'unknown' }

const numbers = (v: unknown): number[] =>
  Array.isArray(v) ? v.filter((n): n is number => Number.isInteger(n)) : []

/** Reads a 200 LIR body: a server name wins over capabilities (§5.7 "If the response has scscf"). */
export function lirAnswerOf(body: unknown, capab: boolean): LirAnswer {
  const b = (body ?? {}) as Record<string, unknown>
  const server = typeof b.scscf === 'string' && b.scscf.trim() ? b.scscf.trim() : undefined
  const caps: ScscfCapabilities = {
    mandatory: numbers(b['mandatory-capabilities']),
    optional: numbers(b['optional-capabilities']),
  }
  if (server && !capab) return { kind: 'scscf', server, registered: b['result-code'] === 2001 }
  if (capab || 'mandatory-capabilities' in b || 'optional-capabilities' in b)
    return { kind: 'capabilities', caps }
  if (server) return { kind: 'scscf', server, registered: b['result-code'] === 2001 }
  throw new HssError('location answer names no S-CSCF and no capabilities', 200, 504)
}

/**
 * One signed GET to Homestead: this region's Dime, then the other region's on a transport failure
 * or a 5xx. Answers 200 (with its body), 403 and 404 are final; none at all is {@link HssError}
 * 504 (`what` names the question in the error).
 */
async function homesteadGet(
  d: RoutingDeps,
  path: string,
  what: string
): Promise<{ status: 200; body: unknown } | { status: 403 | 404 }> {
  let last = 'no answer'
  for (const region of [d.region, peerOf(d.region)]) {
    const url = `${d.functionUrls[region].dime.replace(/\/+$/, '')}${path}`
    try {
      const res = await signedFetch(d.fetch, d.hopSecret, url, {
        method: 'GET',
        signal: AbortSignal.timeout(d.config.HSS_TIMEOUT_MS),
      })
      d.dimeCost.note(res.headers.get('x-edgewater-round-trips'))
      if (res.status === 404 || res.status === 403) {
        await res.body?.cancel()
        return { status: res.status }
      }
      if (res.ok) return { status: 200, body: await res.json().catch(() => ({})) }
      last = `HTTP ${res.status} from region ${region}`
      await res.body?.cancel()
      if (res.status < 500) break
    } catch (err) {
      last = `region ${region}: ${err instanceof Error ? err.message : String(err)}`
    }
    d.log.warn(`${what} failed`, { path, region, error: last })
  }
  throw new HssError(`Homestead did not answer ${what}: ${last}`, 0, 504)
}

/** LIR for `impu`; `capab` asks for capabilities only (a retry after a failed S-CSCF). */
export async function locationInfo(
  d: RoutingDeps,
  impu: string,
  opts: { originating: boolean; capab: boolean }
): Promise<LirAnswer> {
  const q = [
    ...(opts.originating ? ['originating=true'] : []),
    ...(opts.capab ? ['auth-type=CAPAB'] : []),
  ]
  const path = `/impu/${encodeURIComponent(impu)}/location${q.length ? `?${q.join('&')}` : ''}`
  const r = await homesteadGet(d, path, `LIR for ${impu}`)
  if (r.status !== 200) return { kind: 'unknown' }
  return lirAnswerOf(r.body, opts.capab)
}

/** The UAR's answer: where to register, or `forbidden` (Homestead's 403 or 404). */
export type UarAnswer =
  | { kind: 'scscf'; server: string; registered: boolean }
  | { kind: 'capabilities'; caps: ScscfCapabilities }
  | { kind: 'forbidden'; unknown: boolean }

/**
 * UAR for a REGISTER at the I-CSCF (TS 29.228 §6.1.1; clearwater-interfaces §2.1, §5.7):
 * `GET /impi/<impi>/registration-status?impu=&visited-network=&auth-type=REG|DEREG|CAPAB`.
 */
export async function userAuthorization(
  d: RoutingDeps,
  impi: string,
  impu: string,
  opts: { visitedNetwork: string; authType: 'REG' | 'DEREG' | 'CAPAB' }
): Promise<UarAnswer> {
  const q = new URLSearchParams({
    impu,
    'visited-network': opts.visitedNetwork,
    'auth-type': opts.authType,
  })
  const path = `/impi/${encodeURIComponent(impi)}/registration-status?${q}`
  const r = await homesteadGet(d, path, `UAR for ${impi}`)
  if (r.status !== 200) return { kind: 'forbidden', unknown: r.status === 404 }
  const a = lirAnswerOf(r.body, opts.authType === 'CAPAB')
  return a.kind === 'unknown' ? { kind: 'forbidden', unknown: true } : a
}
