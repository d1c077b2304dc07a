/**
 * @module sprout/routing/icscf-register
 * REGISTER at the I-CSCF role (TS 24.229 §5.3.1; clearwater-interfaces §5.7 "REGISTER",
 * Clearwater's icscfsproutlet.cpp). A REGISTER reaches it when it carries Sprout's Route with
 * `service=icscf`: the edge sends a flow's REGISTERs that way until a REGISTER 200 has taught the
 * flow a Service-Route naming this deployment's S-CSCF (docs/routing.md, "REGISTER through the
 * I-CSCF"). The I-CSCF:
 *
 * 0. with one S-CSCF pool (`SCSCF_JSON` names no other), a REGISTER without digest credentials,
 *    or with credentials that answer no live challenge of the registrar's for its IMPI and To
 *    identity (the nonce checked without I/O), goes to this deployment's registrar at once, which
 *    challenges it statelessly: the UAR could name no other S-CSCF, and an unauthenticated
 *    REGISTER must cost no HSS lookup and must not tell a known identity from an unknown one
 *    (docs/security.md); the REGISTER that answers the challenge takes the steps below;
 * 1. asks Homestead where the user registers, the UAR (icscf-hss.ts `userAuthorization`, TS 29.228
 *    §6.1.1): the private identity (the Authorization username, else the To URI without its
 *    scheme, TS 24.229 §5.3.1.2), the public identity (To), the visited network
 *    (P-Visited-Network-ID, else the To domain) and `auth-type` DEREG for a REGISTER that removes
 *    every binding it names, REG otherwise. 403 or 404 is 403 (§5.7 "A UAR 403 gives 403");
 *    Homestead unreachable is 504;
 * 2. takes the S-CSCF the UAR named, or ranks `SCSCF_JSON` by the capabilities it gave
 *    (scscf-selection.ts);
 * 3. an S-CSCF of this deployment (scscf-location.ts `isOwnScscf`) runs the registrar in this same
 *    invocation; any other gets the REGISTER with `Route: <scscf;lr>` and Sprout's Via on a
 *    branch of its own ({@link ICSCF_REGISTER_BRANCH}), after the request and what was tried are
 *    kept in the regional KV for {@link PENDING_TTL_S} (the only store write of this path);
 * 4. retries, with a fresh UAR for capabilities only (`auth-type=CAPAB`) and the S-CSCFs already
 *    tried left out, when the hop to the S-CSCF fails (it took nothing) or the S-CSCF answers 3xx
 *    or 480 (TS 24.229 §5.3.1.3; {@link icscfRegisterResponses}), up to `ICSCF_MAX_ATTEMPTS`
 *    S-CSCFs in all. None left: 504. Any other answer goes upstream as it is.
 */
import { parseMessage, type SipRequest, type SipResponse } from '../../../shared/sip'
import { contactExpires } from '../../../shared/sip/contact'
import { SipError } from '../../../shared/sip/errors'
import { TIMER_F } from '../../../shared/sip/timers'
import { openNonce } from '../auth/nonce'
import { HssError } from '../hss-client'
import { canonicalImpu } from '../registrar/identities'
import { handleRegister } from '../registrar/register-handler'
import { RegistrarServices } from '../registrar/registrar-services'
import { respondTo } from '../sip-build'
import { answerSipError, type RequestArrival, type SipResponseHandler } from '../sip-handlers'
import type { SproutDeps } from '../sprout-deps'
import { type UarAnswer, userAuthorization } from './icscf-hss'
import { type RoutingDeps, routingDepsFor } from './routing-deps'
import { hasOtherPools, isOwnScscf } from './scscf-location'
import { rankScscfs, scscfKey } from './scscf-selection'
import { looseRoute, sproutVia, upstreamResponse } from './sip-ops'

/** The Via branch prefix of a REGISTER the I-CSCF sent to another S-CSCF. */
export const ICSCF_REGISTER_BRANCH = 'z9hG4bKI'

/** How long a forwarded REGISTER is kept for a retry: a non-INVITE transaction (Timer F). */
export const PENDING_TTL_S = TIMER_F / 1000

/** A REGISTER the I-CSCF sent to another S-CSCF, kept for a retry (step 4). */
export interface PendingRegister {
  /** The REGISTER as the I-CSCF received it (without its own Via or Route). */
  request: string
  impi: string
  impu: string
  visitedNetwork: string
  /** Keys (scscf-selection.ts `scscfKey`) of the S-CSCFs offered the REGISTER so far. */
  tried: string[]
}

const pendingKey = (branch: string) => `icscf:reg:${branch}`

/** TS 24.229 §5.3.1.2: the private identity is the Authorization's username, else derived from To. */
export function impiOf(req: SipRequest): string | undefined {
  const auth = req.getRaw('authorization')
  const m = auth ? /(?:^|[\s,])username\s*=\s*"([^"]*)"/i.exec(auth) : null
  if (m?.[1]) return m[1]
  const impu = canonicalImpu(req.to.uri)
  return impu?.replace(/^sips?:/i, '')
}

/** Whether the REGISTER answers a digest challenge (an Authorization with a response, RFC 7616 §3.4). */
export function hasCredentials(req: SipRequest): boolean {
  const auth = req.getRaw('authorization')
  return auth !== undefined && /(?:^|[\s,])response\s*=/i.test(auth)
}

/** A parameter of the Authorization's digest credentials (RFC 7616 §3.4), unquoted. */
function authParam(auth: string, name: string): string | undefined {
  const m = new RegExp(`(?:^|[\\s,])${name}\\s*=\\s*(?:"([^"]*)"|([^\\s,]+))`, 'i').exec(auth)
  return m ? (m[1] ?? m[2]) : undefined
}

/**
 * Whether the REGISTER answers a challenge this deployment's registrar issued, to this IMPI and
 * To identity, within its lifetime: the nonce's seal, subject and age are checked with no I/O
 * (auth/nonce.ts). Only such an answer is worth a UAR with one S-CSCF pool. Credentials made
 * up without a challenge, or answering another identity's, go to the registrar as a REGISTER
 * without credentials does (it answers a fresh 401, or 403 for a foreign nonce), so they cost
 * no HSS lookup and do not tell an identity Homestead knows from one it does not.
 */
async function answersOwnChallenge(
  d: RoutingDeps,
  req: SipRequest,
  impi: string,
  impu: string
): Promise<boolean> {
  if (!hasCredentials(req)) return false
  const auth = req.getRaw('authorization') ?? ''
  const nonce = authParam(auth, 'nonce')
  const realm = authParam(auth, 'realm')
  if (!nonce || realm === undefined) return false
  const svc = new RegistrarServices(d)
  const opened = await openNonce(await svc.nonceKey(), nonce, { impi, impu, realm })
  return (
    opened.ok &&
    opened.forSubject &&
    opened.issuedMs + d.config.AUTH_CHALLENGE_SECONDS * 1000 > svc.nowMs
  )
}

/** P-Visited-Network-ID (RFC 7315 §4.3), else the To domain (clearwater-interfaces §5.7). */
export function visitedNetworkOf(req: SipRequest): string {
  const pv = req.getRaw('p-visited-network-id')?.split(',')[0]?.trim()
  if (pv) return pv.replace(/^"(.*)"$/, '$1')
  const to = req.to.uri
  return to.kind === 'sip' ? to.host.toLowerCase() : ''
}

/** True when the REGISTER removes every binding it names (a de-registration: `auth-type=DEREG`). */
export function isDeregistration(req: SipRequest): boolean {
  const contacts = req.contacts
  if (contacts.length === 0) return false
  if (contacts.includes('*')) return true
  const header = req.get('expires') as number | undefined
  try {
    return contacts.every((c) => (c === '*' ? true : (contactExpires(c) ?? header) === 0))
  } catch {
    return false
  }
}

async function uar(
  d: RoutingDeps,
  p: PendingRegister,
  authType: 'REG' | 'DEREG' | 'CAPAB'
): Promise<UarAnswer | { kind: 'error' }> {
  try {
    return await userAuthorization(d, p.impi, p.impu, {
      visitedNetwork: p.visitedNetwork,
      authType,
    })
  } catch (err) {
    if (!(err instanceof HssError)) throw err
    d.log.warn('I-CSCF: UAR failed', { impi: p.impi, error: err.message })
    return { kind: 'error' }
  }
}

/**
 * Offers the REGISTER to S-CSCFs in turn (steps 2–4). `answer` is the UAR's; on a failed hop or
 * when its candidates run out, a capabilities-only UAR gives the next ones.
 */
async function offer(
  d: RoutingDeps,
  req: SipRequest,
  p: PendingRegister,
  first: UarAnswer | { kind: 'error' }
): Promise<void> {
  let answer = first
  while (p.tried.length < d.routing.icscfMaxAttempts) {
    const candidates =
      answer.kind === 'scscf'
        ? [answer.server]
        : answer.kind === 'capabilities'
          ? rankScscfs(d.routing.scscfs, answer.caps, new Set(p.tried), d.random)
          : []
    const fresh = candidates.filter((s) => {
      const k = scscfKey(s)
      return k !== undefined && !p.tried.includes(k)
    })
    if (fresh.length === 0) break
    for (const server of fresh) {
      if (p.tried.length >= d.routing.icscfMaxAttempts) break
      p.tried.push(scscfKey(server) as string)
      if (isOwnScscf(d, server)) {
        await register(d, req)
        return
      }
      if (await sendTo(d, req, p, server)) return
    }
    answer = await uar(d, p, 'CAPAB')
    if (answer.kind !== 'scscf' && answer.kind !== 'capabilities') break
  }
  await d.sender.respond(respondTo(req, 504, 'Server Time-out (no S-CSCF available)'))
}

/** The registrar of this deployment's S-CSCF, in this invocation; its failure is its answer. */
async function register(d: RoutingDeps, req: SipRequest): Promise<void> {
  try {
    await handleRegister(new RegistrarServices(d), req)
  } catch (err) {
    await answerSipError(req, err, d, 'i-cscf register')
  }
}

/** Sends the REGISTER to another pool's S-CSCF; false when the hop took nothing. */
async function sendTo(
  d: RoutingDeps,
  req: SipRequest,
  p: PendingRegister,
  server: string
): Promise<boolean> {
  const branch = `${ICSCF_REGISTER_BRANCH}${crypto.randomUUID().replace(/-/g, '')}`
  const out = req.clone()
  out.remove('route')
  out.append('route', looseRoute(server))
  out.prepend('via', sproutVia(d.scscfHost, branch))
  // Kept before it leaves: the S-CSCF's answer may arrive before this hop is answered.
  await d.vellum.kv.set(pendingKey(branch), p, { ttlSeconds: PENDING_TTL_S })
  const r = await d.sender.request(out)
  if (r.ok) return true
  // The hop answers once the S-CSCF has taken the request, so a failed hop took nothing.
  d.log.info('I-CSCF: S-CSCF did not take the REGISTER', { server, reason: r.reason })
  return false
}

/** The I-CSCF for a REGISTER addressed to it (see the module comment). */
export async function icscfRegister(
  deps: SproutDeps,
  req: SipRequest,
  at: RequestArrival
): Promise<void> {
  const d = routingDepsFor(deps, at.c)
  const impu = canonicalImpu(req.to.uri)
  const impi = impiOf(req)
  if (!impu || !impi) throw new SipError(400, 'Bad Request (To is not a public identity)')
  const p: PendingRegister = {
    request: req.toString(),
    impi,
    impu,
    visitedNetwork: visitedNetworkOf(req),
    tried: [],
  }
  if (!hasOtherPools(d) && !(await answersOwnChallenge(d, req, impi, impu))) {
    await register(d, req)
    return
  }
  const a = await uar(d, p, isDeregistration(req) ? 'DEREG' : 'REG')
  if (a.kind === 'error') throw new SipError(504, 'Server Time-out (HSS)')
  if (a.kind === 'forbidden') throw new SipError(403, 'Forbidden')
  await offer(d, req, p, a)
}

/** TS 24.229 §5.3.1.3: the answers after which another S-CSCF is tried. */
export const retriesOn = (status: number): boolean =>
  (status >= 300 && status < 400) || status === 480

/**
 * Answers to REGISTERs the I-CSCF sent to another S-CSCF: a 3xx or 480 is offered to an
 * alternate (step 4) while the kept request lasts; 100 stops here; the rest go upstream.
 */
export const icscfRegisterResponses: SipResponseHandler = {
  name: 'i-cscf register responses',
  accepts: (res) =>
    res.cseq.method === 'REGISTER' &&
    res.vias.length >= 2 &&
    (res.topVia.branch ?? '').startsWith(ICSCF_REGISTER_BRANCH),
  async handle(res: SipResponse, deps, { c }) {
    if (res.status === 100) return
    const d = routingDepsFor(deps, c)
    if (retriesOn(res.status)) {
      const p = await d.vellum.kv.get<PendingRegister>(pendingKey(res.topVia.branch as string))
      if (p) {
        d.log.info('I-CSCF: S-CSCF declined the REGISTER; trying another', {
          status: res.status,
          tried: p.tried.length,
        })
        const req = parseMessage(p.request) as SipRequest
        await offer(d, req, p, await uar(d, p, 'CAPAB'))
        return
      }
    }
    await d.sender.respond(upstreamResponse(res))
  },
}
