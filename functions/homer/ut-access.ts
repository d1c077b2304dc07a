/**
 * @module homer/ut-access
 * Who may touch a user's simservs. Internal callers (Ellis, Sprout) sign their requests for the
 * trusted zone (architecture §3) and may act for any user. Anyone else is a UE on the Ut
 * interface (TS 24.623) and must pass HTTP Digest (RFC 7616: SHA-256 or MD5, qop=auth)
 * against its private identity's credentials held by Dime, and may then act only for the public
 * identities of its own implicit registration sets (403 otherwise). Clearwater's Homer did no
 * authentication at all and relied on a firewall (clearwater-interfaces §3, §14).
 *
 * Statuses: 401 with fresh challenges for missing, wrong or unknown credentials; 401 with
 * `stale=true` for any answer to an expired nonce or a used nonce-count (the password is not
 * checked then); 429 with `Retry-After` while the identity is slowed down after failed answers
 * (ut-throttle.ts); 400 for malformed credentials; 403 for a foreign identity; 503 when Dime or
 * the KV is down (a backend failure is never reported as an authentication failure, Clearwater
 * sprout#1616).
 */
import {
  type HopSecret,
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
  verifySignature,
} from '../../shared/hop/signature'
import type { Logger } from '../../shared/log/logger'
import type { SubscriberDirectory } from './dime-client'
import {
  type BaseAlgorithm,
  baseAlgorithm,
  type DigestCredentials,
  digestChallenges,
  digestHa1,
  expectedResponse,
  parseDigestAuthorization,
  timingSafeEqual,
} from './ut-digest'
import type { UtNonces } from './ut-nonces'
import type { UtThrottle } from './ut-throttle'

export type Caller = { kind: 'internal' } | { kind: 'ue'; impi: string }

/**
 * Why a refused UE was refused, for an API whose statuses differ from Ut's (Memento's call list
 * answers 403 for a wrong password and 404 for another user's list, clearwater-interfaces §8).
 */
export type Denial = 'wrong-password' | 'foreign-identity'

export type Access =
  | { ok: true; caller: Caller }
  | { ok: false; response: Response; denial?: Denial }

export interface AccessDeps {
  /** Trusted-zone keys naming Homer's own address (shared/http/trusted-zone.ts). */
  hopSecret: HopSecret
  /** Realm of the challenge: the home domain (Ellis provisions HA1s in it). */
  realm: string
  nonces: UtNonces
  /** Slows password guessing per private identity (ut-throttle.ts). */
  throttle: UtThrottle
  directory: SubscriberDirectory
  log: Logger
}

export interface AccessRequest {
  method: string
  url: string
  headers: Headers
  body: Uint8Array
}

const ALL_ALGORITHMS: readonly BaseAlgorithm[] = ['SHA-256', 'MD5']

function json(status: number, body: unknown, headers: [string, string][] = []): Response {
  const h = new Headers(headers)
  h.set('content-type', 'application/json')
  return new Response(JSON.stringify(body), { status, headers: h })
}

async function challenge(
  deps: AccessDeps,
  reason: string,
  opts: { stale?: boolean; algorithms?: readonly BaseAlgorithm[] } = {}
): Promise<Extract<Access, { ok: false }>> {
  const nonce = await deps.nonces.issue()
  const values = digestChallenges({
    realm: deps.realm,
    nonce,
    algorithms: opts.algorithms ?? ALL_ALGORITHMS,
    stale: opts.stale === true,
  })
  return {
    ok: false,
    response: json(
      401,
      { error: 'unauthorized', reason },
      values.map((v) => ['www-authenticate', v])
    ),
  }
}

/** SIP URIs compare with case-insensitive scheme and host (RFC 3261 §19.1.4); others exactly. */
export function sameIdentity(a: string, b: string): boolean {
  if (a === b) return true
  const norm = (s: string) => {
    const m = /^(sips?):([^@]*@)?(.*)$/i.exec(s)
    return m ? `${m[1]!.toLowerCase()}:${m[2] ?? ''}${m[3]!.toLowerCase()}` : s
  }
  return norm(a) === norm(b)
}

/** RFC 7616 §3.4.6: the `uri` must name the request target (absolute form tolerated). */
function uriMatches(digestUri: string, requestUrl: string): boolean {
  const req = new URL(requestUrl)
  const target = req.pathname + req.search
  if (digestUri === target) return true
  try {
    const u = new URL(digestUri, req)
    return u.pathname + u.search === target
  } catch {
    return false
  }
}

/** H(A1) for the algorithm the client used, when Dime holds what it takes to compute it. */
async function ha1For(
  cred: DigestCredentials,
  secret: { realm: string; ha1Md5: string; password: string | undefined }
) {
  const alg = baseAlgorithm(cred.algorithm)
  if (secret.password !== undefined)
    return digestHa1(alg, cred.username, cred.realm, secret.password)
  if (alg === 'MD5' && (secret.realm === '' || secret.realm === cred.realm)) return secret.ha1Md5
  return undefined
}

function slowedDown(retryAfterS: number): Access {
  return {
    ok: false,
    response: json(
      429,
      {
        error: 'too many requests',
        reason: 'too many failed answers for this identity; it is slowed down, retry later',
      },
      [['retry-after', String(retryAfterS)]]
    ),
  }
}

/**
 * The order matters (issue 14 finding 7): the nonce is judged first, then the throttle, then the
 * nonce-count is taken, and only then is the password checked. So an expired, forged or
 * replayed nonce, or a throttled identity, gets its answer without the password being looked
 * at, and the answer cannot tell a right password from a wrong one.
 */
async function authenticateUe(req: AccessRequest, impu: string, deps: AccessDeps): Promise<Access> {
  const header = req.headers.get('authorization')
  if (!header) return challenge(deps, 'credentials required')
  const parsed = parseDigestAuthorization(header)
  if (!parsed.ok) {
    if (parsed.unsupported) return challenge(deps, parsed.reason)
    return { ok: false, response: json(400, { error: 'bad request', reason: parsed.reason }) }
  }
  const cred = parsed.value
  if (cred.realm !== deps.realm) return challenge(deps, `realm must be ${deps.realm}`)
  if (!uriMatches(cred.uri, req.url))
    return {
      ok: false,
      response: json(400, {
        error: 'bad request',
        reason: 'digest uri does not match the request',
      }),
    }
  // RFC 7616 §3.3: an expired nonce of ours is `stale=true`, whatever the response says.
  const nonce = await deps.nonces.check(cred.nonce)
  if (nonce.state === 'invalid') return challenge(deps, 'unknown nonce')
  if (nonce.state === 'stale') return challenge(deps, 'nonce expired', { stale: true })
  const admitted = await deps.throttle.admit(cred.username)
  if (!admitted.ok) return slowedDown(admitted.retryAfterS)
  // RFC 7616 §3.4: a repeated nonce-count is a replay; taking it is atomic (SET NX).
  const nc = Number.parseInt(cred.nc, 16)
  if (!(await deps.nonces.use(cred.nonce, nc, nonce.expiresMs)))
    return challenge(deps, 'nonce count replayed', { stale: true })
  const [secret, publicIds] = await Promise.all([
    deps.directory.digestSecret(cred.username),
    deps.directory.publicIds(cred.username),
  ])
  if (!secret) {
    await deps.throttle.recordFailure(cred.username)
    return {
      ...(await challenge(deps, 'unknown user or wrong password')),
      denial: 'wrong-password',
    }
  }
  const ha1 = await ha1For(cred, secret)
  if (ha1 === undefined)
    // Only an MD5 HA1 is stored: ask again offering what can be verified.
    return challenge(deps, `${cred.algorithm} cannot be verified for this user`, {
      algorithms: ['MD5'],
    })
  const expected = await expectedResponse(cred, req.method, ha1)
  if (!timingSafeEqual(expected, cred.response)) {
    deps.log.info('Ut digest mismatch', { impi: cred.username })
    await deps.throttle.recordFailure(cred.username)
    return {
      ...(await challenge(deps, 'unknown user or wrong password')),
      denial: 'wrong-password',
    }
  }
  await deps.throttle.recordSuccess(cred.username, admitted)
  if (!publicIds.some((p) => sameIdentity(p, impu))) {
    deps.log.info('Ut access to a foreign identity refused', { impi: cred.username, impu })
    return {
      ok: false,
      denial: 'foreign-identity',
      response: json(403, {
        error: 'forbidden',
        reason: `${impu} is not in the implicit registration set of ${cred.username}`,
      }),
    }
  }
  return { ok: true, caller: { kind: 'ue', impi: cred.username } }
}

/** Decides whether the request may act for `impu`, and as whom. */
export async function authorize(
  req: AccessRequest,
  impu: string,
  deps: AccessDeps
): Promise<Access> {
  if (req.headers.has(SIGNATURE_HEADER) || req.headers.has(TIMESTAMP_HEADER)) {
    const v = await verifySignature(deps.hopSecret, req.method, req.url, req.headers, req.body)
    if (!v.ok)
      return { ok: false, response: json(401, { error: 'unauthorized', reason: v.reason }) }
    return { ok: true, caller: { kind: 'internal' } }
  }
  return authenticateUe(req, impu, deps)
}
