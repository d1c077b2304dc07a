/**
 * @module sprout/registrar/digest-auth
 * The digest-auth step of REGISTER processing (clearwater-interfaces §5.2; RFC 3261 §22.4,
 * RFC 7616, RFC 8760 for SHA-256):
 * - no credentials (or an empty `response`, as IMS clients send first): a stateless challenge
 *   (nonce.ts) bound to the IMPI and the To identity. No HSS lookup, no store write, no timer:
 *   401 with `WWW-Authenticate` for SHA-256 then MD5, `qop="auth"`, in the realm the client
 *   named or the home domain (the HSS's realm is checked when the answer arrives);
 * - an answer: the nonce's seal (else 401 `stale=true`); the nonce's identity against the
 *   Authorization username and the To identity (else 403: credentials for another identity); a
 *   first count of an expired nonce (else 401 `stale=true`, still with no I/O); then, in one
 *   store round, the To identity's AoR (which holds the nonce's last accepted count,
 *   nonce-uses.ts) and the failure counters of this source (auth-limiter.ts: refused → 403 +
 *   Retry-After, before the HSS is asked), one `MGET`; a replayed or expired nonce → 401
 *   `stale=true`; the HSS's digest AV for that (IMPI, IMPU) pair (HSS 404 → 403); another
 *   realm at the HSS → 401 in the HSS's realm;
 * - a wrong response: 403, the failure counted per source and identity, the HSS told
 *   `dereg-auth-failed`;
 * - success: the nonce's count is recorded in the bind step's write round;
 * - a REGISTER the edge marked `integrity-protected="tls-yes"` (an authenticated TLS flow) is
 *   accepted without a challenge when the To identity's AoR holds a live binding of that IMPI over
 *   that flow (protected-register.ts), read in the same one `MGET`; otherwise it takes the
 *   ordinary path.
 * Homestead 503/504/unreachable → 504, a store outage → 503 (hss-errors.ts). Unlike Clearwater, an unanswered
 * challenge is not reported to the HSS (AUTHENTICATION_TIMEOUT): it left no state to time out.
 */

import { mintNonce, openNonce } from '../../../shared/hop/digest-nonce'
import { metrics } from '../../../shared/metrics/isolate'
import type { DigestParams } from '../../../shared/sip/auth-header'
import { SipError } from '../../../shared/sip/errors'
import { challengeHeader, digestResponse, randomToken, safeEqual } from '../auth/digest-math'
import { acceptedUse, judgeNonceUse, nonceUseField, precheckNonceUse } from '../auth/nonce-uses'
import { hssToSip, storeToSip } from '../hss-errors'
import type { ParsedRegistration } from './parse-registration'
import { markedProtected, protectedImpi } from './protected-register'
import type { RegisterContext, RegisterStep } from './register-context'
import { need } from './register-context'
import type { RegistrarServices } from './registrar-services'

export type DigestAlgorithm = 'MD5' | 'SHA-256'

/** The client source failures are counted against: the edge's client address, else the flow. */
export function clientSource(svc: RegistrarServices, reg: ParsedRegistration): string {
  const addr = svc.deps.clientAddress
  if (addr) return `ip:${addr}`
  return reg.flow ? `flow:${reg.flow}` : 'unknown'
}

/**
 * Ends the request with a fresh stateless challenge (401). `algorithms` are offered in order of
 * preference (RFC 8760 §2.4: SHA-256 first; sip.js and JsSIP keep the last one they parse, so
 * they answer MD5).
 */
export async function challenge(
  svc: RegistrarServices,
  reg: ParsedRegistration,
  o: { stale: boolean; realm?: string; algorithms?: DigestAlgorithm[] }
): Promise<never> {
  const realm = o.realm ?? reg.credentials?.realm ?? svc.deps.homeDomain
  const nonce = await mintNonce(
    await svc.nonceKey(),
    { impi: reg.impi, impu: reg.impu, realm },
    svc.nowMs,
    svc.random(8)
  )
  const opaque = randomToken(8)
  const headers: Array<[string, string]> = (o.algorithms ?? ['SHA-256', 'MD5']).map((algorithm) => [
    'WWW-Authenticate',
    challengeHeader({ realm, nonce, opaque, algorithm, qop: 'auth', stale: o.stale }),
  ])
  throw new SipError(401, 'Unauthorized', { headers })
}

interface Answer {
  username: string
  realm: string
  nonce: string
  uri: string
  response: string
  algorithm: DigestAlgorithm
  nc: number
  ncText: string
  cnonce: string
}

/** Credentials worth checking, or undefined when they are only a request to be challenged. */
function readAnswer(c: DigestParams): Answer | undefined {
  if (!c.response || !c.nonce) return undefined
  for (const k of ['username', 'realm', 'uri'] as const)
    if (!c[k]) throw new SipError(400, `Bad Request (Authorization lacks ${k})`)
  const alg = (c.algorithm ?? 'MD5').toUpperCase()
  if (alg !== 'MD5' && alg !== 'SHA-256') return undefined
  // Only qop=auth is offered (RFC 7616 §3.3), so nc and cnonce are required.
  if (c.qop?.toLowerCase() !== 'auth' || !c.cnonce || !/^[0-9a-fA-F]{8}$/.test(c.nc ?? ''))
    throw new SipError(400, 'Bad Request (Authorization needs qop=auth with nc and cnonce)')
  return {
    username: c.username!,
    realm: c.realm!,
    nonce: c.nonce,
    uri: c.uri!,
    response: c.response.toLowerCase(),
    algorithm: alg,
    nc: Number.parseInt(c.nc!, 16),
    ncText: c.nc!,
    cnonce: c.cnonce,
  }
}

/**
 * A REGISTER over an authenticated TLS flow (protected-register.ts): one `MGET` reads the To
 * identity's AoR and Homestead's cache entries, as an answer's read does. True when it may
 * proceed without a challenge (`ctx.auth` set, the read kept for the bind step).
 */
async function acceptProtected(ctx: RegisterContext, reg: ParsedRegistration): Promise<boolean> {
  const svc = ctx.svc
  const { hss, log } = svc.deps
  const impi = reg.credentials?.username
  if (!impi) return false
  const hssKeys = hss.readAheadKeys?.(impi, reg.impu) ?? []
  const { values, state } = await svc.aors.readWith(reg.impu, hssKeys).catch(storeToSip)
  if (protectedImpi(reg, state, svc.nowMs) !== impi) {
    log.info('protected REGISTER without a binding of its IMPI on its flow', {
      impi,
      impu: reg.impu,
    })
    return false
  }
  hss.primeReadAhead?.(hssKeys, values)
  ctx.speculative = Promise.resolve(state)
  ctx.auth = { impi, nonce: '', nc: 0 }
  return true
}

/** The digest-auth step. */
export const digestAuth: RegisterStep = async (ctx: RegisterContext, next) => {
  const reg = need(ctx.reg, 'parsed registration')
  const svc = ctx.svc
  // TS 24.229 §5.4.1.2.2: an integrity-protected re-registration needs no new challenge.
  if (markedProtected(reg) && (await acceptProtected(ctx, reg))) return next()
  const answer = reg.credentials ? readAnswer(reg.credentials) : undefined
  if (!answer) return challenge(svc, reg, { stale: false })

  // The nonce is checked before any I/O: a forged or foreign one costs nothing.
  const impi = answer.username
  const opened = await openNonce(await svc.nonceKey(), answer.nonce, {
    impi,
    impu: reg.impu,
    realm: answer.realm,
  })
  if (!opened.ok) {
    metrics.authFailures.inc({ reason: 'bad-nonce' })
    return challenge(svc, reg, { stale: true })
  }
  const source = clientSource(svc, reg)
  const { hss, log, config } = svc.deps
  if (!opened.forSubject) {
    // A nonce issued for another IMPI or To identity: credentials that are not for this
    // registration (issue 14 finding 2). Refused outright, and held against the source.
    svc.deps.defer(() => svc.limiter.recordMisuse(source))
    metrics.authFailures.inc({ reason: 'foreign-nonce' })
    log.info('REGISTER credentials do not match the To identity', { impi, impu: reg.impu })
    throw new SipError(403, 'Forbidden (credentials are not for this identity)')
  }

  const lifeMs = config.AUTH_CHALLENGE_SECONDS * 1000
  const early = precheckNonceUse({
    issuedMs: opened.issuedMs,
    nc: answer.nc,
    nowMs: svc.nowMs,
    lifeMs,
  })
  if (!early.ok) {
    metrics.authFailures.inc({ reason: 'stale-nonce' })
    log.info('stale digest nonce', { impi, why: early.why })
    return challenge(svc, reg, { stale: true })
  }

  // One store round, one KV command: the AoR the bind step uses (it holds the nonce's last
  // count), this source's failure counters and, when Homestead runs in process, its cache
  // entries for the digest AV and the set's reg-data (sprout/hss-local.ts). A refused source is
  // answered before the HSS is asked anything.
  const counterKeys = svc.limiter.counterKeys(impi, source)
  const hssKeys = hss.readAheadKeys?.(impi, reg.impu) ?? []
  const read = svc.aors.readWith(reg.impu, [...counterKeys, ...hssKeys])
  ctx.speculative = read.then((r) => r.state)
  ctx.speculative.catch(() => undefined)
  const { values, state } = await read.catch(storeToSip)
  hss.primeReadAhead?.(hssKeys, values.slice(counterKeys.length))
  if (svc.limiter.isBlocked(values.slice(0, counterKeys.length))) {
    metrics.authFailures.inc({ reason: 'rate-limited' })
    throw new SipError(403, 'Forbidden (Too Many Failed Authentications)', {
      retryAfter: svc.limiter.retryAfterSeconds,
    })
  }
  const verdict = judgeNonceUse({
    nonce: answer.nonce,
    issuedMs: opened.issuedMs,
    nc: answer.nc,
    stored: state.nonceUses[impi],
    nowMs: svc.nowMs,
    lifeMs,
  })
  if (!verdict.ok) {
    metrics.authFailures.inc({ reason: 'stale-nonce' })
    log.info('stale digest nonce', { impi, why: verdict.why })
    return challenge(svc, reg, { stale: true })
  }
  // The HSS's digest AV, which checks that the IMPI may register the IMPU.
  const av = await hss.digestVector(impi, reg.impu).catch(hssToSip)
  // The HSS's realm is the one the password was provisioned in (RFC 7616 §3.3).
  if (av.realm !== answer.realm) return challenge(svc, reg, { stale: true, realm: av.realm })
  const ha1 = answer.algorithm === 'SHA-256' ? av.ha1Sha256 : av.ha1
  // No SHA-256 HA1 provisioned: ask again with MD5 only (RFC 8760 §2.4).
  if (!ha1) return challenge(svc, reg, { stale: true, realm: av.realm, algorithms: ['MD5'] })
  const expected = digestResponse({
    algorithm: answer.algorithm,
    ha1,
    method: 'REGISTER',
    uri: answer.uri,
    nonce: answer.nonce,
    nc: answer.ncText,
    cnonce: answer.cnonce,
    qop: 'auth',
  })
  if (!safeEqual(expected, answer.response)) {
    metrics.authFailures.inc({ reason: 'wrong-response' })
    svc.deps.defer(async () => {
      await Promise.allSettled([
        svc.limiter.recordFailure(impi, source),
        hss.putRegData(reg.impu, 'dereg-auth-failed', impi),
      ])
      log.info('REGISTER authentication failed', { impi, impu: reg.impu, source })
    })
    throw new SipError(403, 'Forbidden')
  }
  ctx.auth = { impi, nonce: answer.nonce, nc: answer.nc }
  // Recorded in the bind step's write round, kept while the registration may be refreshed with
  // the next count (RFC 7616 §3.4).
  const keepUntilS = svc.nowMs / 1000 + config.REG_MAX_EXPIRES
  ctx.nonceUse = {
    field: nonceUseField(impi),
    record: acceptedUse(answer.nonce, opened.issuedMs, answer.nc, keepUntilS),
  }
  await next()
}
