/**
 * @module edge/register-challenge
 * The registrar's fresh stateless challenge, answered by the edge (RFC 3261 §10.3 step 3:
 * authentication comes before the REGISTER's bindings are looked at; docs/registrar.md). A
 * REGISTER without an answer to a challenge gets from Sprout's registrar nothing but a 401 built
 * from the request alone (functions/sprout/registrar/digest-auth.ts `challenge`): no HSS lookup,
 * no store operation. The edge holds the trusted-zone secret the nonce key is derived from, so it
 * mints that same 401 (shared/hop/digest-nonce.ts): same nonce layout and key, realm (the
 * credentials' realm, else the home domain), IMPI and To identity bound into the nonce,
 * `WWW-Authenticate` for SHA-256 then MD5 with `qop="auth"` and an opaque, a To tag, and Via,
 * From, Call-ID and CSeq copied (RFC 3261 §8.2.6.2). The answer goes to Sprout, which checks it
 * unchanged. The flood of unauthenticated REGISTERs stops here too.
 *
 * Everything else still goes to Sprout, so its answers stay its own:
 * - the switch is off (`EDGE_REGISTER_CHALLENGE=off`: another S-CSCF pool may serve the
 *   domain's REGISTERs, and its I-CSCF path is Sprout's to take);
 * - credentials with a `response` (an answer, or a guess: Sprout judges it);
 * - a re-registration the edge marks `integrity-protected="tls-yes"` (edge/protected-flow.ts,
 *   TS 24.229 §5.4.1.2.2: no challenge at all);
 * - a REGISTER Sprout's registrar would not take or would refuse before authenticating: a Route
 *   left after the edge's own, a Request-URI other than the home domain (clearwater-interfaces
 *   §5.3), a To URI that is neither sip nor tel (404), a malformed To, Authorization, Path,
 *   Supported, Via, Expires or Contact (400), `Contact: *` with other Contacts or a non-zero
 *   Expires (400), an expiry under REG_MIN_EXPIRES (423) — the checks of
 *   functions/sprout/registrar/parse-registration.ts, which a unit test holds this module to.
 * Emergency registrations are challenged as any other (live test 9: 401, then the answer).
 */
import { mintNonce, type NonceSubject, nonceKeyCache } from '../shared/hop/digest-nonce'
import { canonicalImpu, defaultImpi } from '../shared/ims/registration-identity'
import { metrics } from '../shared/metrics/isolate'
import { type AuthValue, authParam, digestParams, isDigest } from '../shared/sip/auth-header'
import { buildResponse } from '../shared/sip/builders'
import { contactExpires } from '../shared/sip/contact'
import { buildChallenge } from '../shared/sip/digest'
import type { SipRequest, SipResponse } from '../shared/sip/message'
import type { NameAddr } from '../shared/sip/name-addr'
import { generateNonce, type RandomSource } from '../shared/sip/random'
import type { FlowIo } from './flow-io'
import { reRegistersProtected } from './protected-flow'

/** What the decision reads of the edge's configuration. */
export interface ChallengeSettings {
  enabled: boolean
  homeDomain: string
  /** Sprout's REG_MIN_EXPIRES (0: none). */
  minExpires: number
}

/** Why a REGISTER goes to Sprout rather than getting the edge's challenge. */
export type ForwardReason =
  | 'off'
  | 'integrity-protected'
  | 'answer'
  | 'route'
  | 'request-uri'
  | 'to-uri'
  | 'contact'
  | 'min-expires'
  | 'malformed'

export type ChallengeDecision =
  | { challenge: true; subject: NonceSubject }
  | { challenge: false; why: ForwardReason }

const forward = (why: ForwardReason): ChallengeDecision => ({ challenge: false, why })

/** True when the credentials carry a non-empty `response` (RFC 7616 §3.4: an answer). */
const answers = (a: AuthValue): boolean => isDigest(a) && !!authParam(a, 'response')

/**
 * Whether the edge challenges this REGISTER from the client (see the module comment), and for
 * whom: the IMPI, To identity and realm the registrar binds its nonce to. `req` is the REGISTER
 * as the edge is about to forward it (client-only headers stripped, its own Routes removed);
 * `protectedReRegister`: the edge marks it `integrity-protected="tls-yes"`. Pure.
 */
export function decideChallenge(
  req: SipRequest,
  s: ChallengeSettings,
  protectedReRegister: boolean
): ChallengeDecision {
  if (!s.enabled) return forward('off')
  if (protectedReRegister) return forward('integrity-protected')
  try {
    if (req.has('route')) return forward('route')
    // clearwater-interfaces §5.3: the registrar takes REGISTERs for the home domain.
    const ruri = req.uri
    if (ruri.kind !== 'sip' || ruri.host.toLowerCase() !== s.homeDomain.toLowerCase())
      return forward('request-uri')
    const authorizations = req.getAll('authorization')
    if (authorizations.some(answers)) return forward('answer')
    // parse-registration.ts step 1: the To URI must be sip or tel (else 404).
    const to = req.to
    const impu = canonicalImpu(to.uri)
    if (impu === undefined) return forward('to-uri')
    const first = authorizations[0]
    const credentials = first && isDigest(first) ? digestParams(first) : undefined
    const impi = credentials?.username || defaultImpi(to.uri, s.homeDomain) || ''
    // The headers the registrar reads before authenticating: any that does not parse is its 400.
    req.getAll('path')
    req.getAll('supported')
    void req.topVia
    void req.callId
    void req.cseq.seq
    const headerExpires = req.get('expires') as number | undefined
    const contacts = req.contacts
    // RFC 3261 §10.3 step 6: `*` only alone and only with Expires: 0 (else Sprout's 400).
    if (contacts.includes('*')) {
      if (contacts.length !== 1 || headerExpires !== 0) return forward('contact')
    } else {
      for (const c of contacts as readonly NameAddr[]) {
        const asked = contactExpires(c) ?? headerExpires
        // §10.3 step 7, as Sprout applies it before authenticating: its 423 with Min-Expires.
        if (asked !== undefined && asked > 0 && asked < s.minExpires) return forward('min-expires')
      }
    }
    return { challenge: true, subject: { impi, impu, realm: credentials?.realm ?? s.homeDomain } }
  } catch {
    // A header that does not parse: Sprout answers it (400 naming the header).
    return forward('malformed')
  }
}

/** What minting the challenge takes: the nonce key, the core's clock and random bytes. */
export interface ChallengeMint {
  key: CryptoKey
  nowMs: number
  random: RandomSource
}

/**
 * The registrar's fresh challenge for `req` (digest-auth.ts `challenge` with `stale` false):
 * 401 with `WWW-Authenticate` for SHA-256 then MD5 (RFC 8760 §2.4), one nonce and opaque.
 */
export async function freshChallenge(
  req: SipRequest,
  subject: NonceSubject,
  m: ChallengeMint
): Promise<SipResponse> {
  const bytes = new Uint8Array(8)
  m.random(bytes)
  const nonce = await mintNonce(m.key, subject, m.nowMs, bytes)
  const opaque = generateNonce(m.random, 8)
  const headers = (['SHA-256', 'MD5'] as const).map(
    (algorithm) =>
      [
        'WWW-Authenticate',
        buildChallenge({
          realm: subject.realm,
          nonce,
          opaque,
          algorithm,
          stale: false,
          qop: ['auth'],
        }),
      ] as [string, string]
  )
  return buildResponse(req, 401, { reason: 'Unauthorized', random: m.random, headers })
}

const random: RandomSource = (b) => {
  crypto.getRandomValues(b)
}

/** The nonce key per trusted-zone secret, derived once per isolate. */
const nonceKey = nonceKeyCache()

/**
 * A REGISTER from the client, about to be forwarded: when the edge challenges it, sends the
 * client the 401, counts and logs the transaction as Sprout would have (the transactions counter
 * by method and class, the `sip transaction` line), and returns true.
 */
export async function challengedAtEdge(io: FlowIo, req: SipRequest): Promise<boolean> {
  const decision = decideChallenge(
    req,
    {
      enabled: io.cfg.registerChallenge,
      homeDomain: io.cfg.homeDomain,
      minExpires: io.cfg.regMinExpires,
    },
    reRegistersProtected(io, req)
  )
  if (!decision.challenge) return false
  const res = await freshChallenge(req, decision.subject, {
    key: await nonceKey(io.cfg.hopSecret.secret),
    nowMs: io.coreNow?.() ?? io.now(),
    random,
  })
  metrics.transactions.inc({ method: 'REGISTER', class: '4xx' })
  io.transactions?.answered(req, 401, io.now())
  io.toClient(res.toString())
  return true
}
