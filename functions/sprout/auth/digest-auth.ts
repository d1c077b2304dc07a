/**
 * @module sprout/auth/digest-auth
 * The digest-auth step of REGISTER processing (clearwater-interfaces §5.2; RFC 3261 §22.4,
 * RFC 7616, RFC 8760 for SHA-256):
 * - no credentials (or an empty `response`, as IMS clients send first): fetch the digest AV from
 *   Homestead, store a challenge for 40 s, arm the 30 s authentication-timeout timer, answer
 *   401 with `WWW-Authenticate` (SHA-256 first when the password is provisioned in a form that
 *   allows it, then MD5, which every client speaks), `qop="auth"`;
 * - an unknown, expired or used-up nonce: 401 with `stale=true`; a nonce-count not above the
 *   last one accepted (a replay): 401 with `stale=true` (live tests 86–87);
 * - wrong credentials: 403, HSS told `dereg-auth-failed`, the failure counted and the nonce
 *   retired; while failures exceed the limits, challenges are refused with 403 + Retry-After;
 * - success: the nonce-count is recorded (in the bind step's write round) and the timeout timer
 *   cancelled. Homestead 404 gives 403, 503/504/unreachable 504, a store outage 503.
 */

import type { DigestParams } from '../../../shared/sip/auth-header'
import { SipError } from '../../../shared/sip/errors'
import { Unavailable } from '../../../shared/vellum'
import { HssError } from '../hss-client'
import type { ParsedRegistration } from '../registrar/parse-registration'
import type { RegisterContext, RegisterStep } from '../registrar/register-context'
import { need } from '../registrar/register-context'
import type { RegistrarServices } from '../registrar/registrar-services'
import type { ChallengeData } from './challenge-store'
import { challengeHeader, digestResponse, randomToken, safeEqual, sha256Ha1 } from './digest-math'

export type DigestAlgorithm = 'MD5' | 'SHA-256'

function challengeValue(
  c: ChallengeData,
  nonce: string,
  algorithm: DigestAlgorithm,
  stale: boolean
): string {
  return challengeHeader({ realm: c.realm, nonce, opaque: c.opaque, algorithm, qop: c.qop, stale })
}

function hssFailure(err: unknown): never {
  if (err instanceof HssError) {
    const reason =
      err.sipStatus === 403
        ? 'Forbidden'
        : err.sipStatus === 504
          ? 'Server Time-out'
          : 'Server Internal Error'
    throw new SipError(err.sipStatus, reason, { cause: err })
  }
  throw err
}

function storeFailure(err: unknown): never {
  if (err instanceof Unavailable)
    throw new SipError(503, 'Service Unavailable (registration store unreachable)', {
      retryAfter: 5,
      cause: err,
    })
  throw err
}

/**
 * Issues a fresh challenge; always ends the request with 401 (or 403 when throttled).
 * `blocked` is the limiter's verdict when the caller already started that read.
 */
export async function challenge(
  svc: RegistrarServices,
  reg: ParsedRegistration,
  stale: boolean,
  blockedRead?: Promise<boolean>
): Promise<never> {
  const { hss, config, clock, log } = svc.deps
  // The limiter's verdict is awaited only after the writes: a counter that does not exist is a
  // local miss plus a remote read (Vellum's fallback), and the challenge must not wait for it.
  const blocked = (blockedRead ?? svc.limiter.blocked(reg.impi, reg.flow)).catch(storeFailure)
  blocked.catch(() => undefined)
  const [vector, password] = await Promise.all([
    hss.digestVector(reg.impi, reg.impu).catch(async (err) => {
      // An unknown user counts against the flow: enumeration is guessing too.
      if (err instanceof HssError && err.sipStatus === 403)
        await svc.limiter.recordFailure(reg.impi, reg.flow).catch(() => undefined)
      return hssFailure(err)
    }),
    hss.plaintextPassword(reg.impi),
  ])
  const nonce = randomToken(16)
  const data: ChallengeData = {
    impu: reg.impu,
    realm: vector.realm,
    qop: vector.qop,
    opaque: randomToken(8),
    ha1: {
      md5: vector.ha1,
      ...(password !== undefined ? { sha256: sha256Ha1(reg.impi, vector.realm, password) } : {}),
    },
    ...(reg.flow ? { flow: reg.flow } : {}),
    answered: false,
  }
  const nowS = clock.now() / 1000
  const expiresAtS = nowS + config.AUTH_CHALLENGE_SECONDS
  const [stored, timer, marker] = await Promise.allSettled([
    svc.challenges.create(reg.impi, nonce, data, expiresAtS),
    svc.timers.armAuthTimeout(
      { impi: reg.impi, impu: reg.impu, nonce },
      config.AUTH_TIMEOUT_SECONDS
    ),
    // The answer will read this AoR: make sure that read is a local hit (aor-store.ts).
    svc.aors.markPresent(reg.impu, clock.now(), expiresAtS),
  ])
  if (stored.status === 'rejected') storeFailure(stored.reason)
  if (timer.status === 'rejected')
    log.warn('authentication-timeout timer not set', {
      impi: reg.impi,
      error: String(timer.reason),
    })
  if (marker.status === 'rejected')
    log.warn('AoR presence marker not written', { impu: reg.impu, error: String(marker.reason) })
  if (await blocked) {
    svc.deps.defer(() =>
      Promise.allSettled([
        svc.challenges.retire(reg.impi, nonce, { cseq: 0, expires: expiresAtS, data }, nowS),
        svc.timers.disarmAuthTimeout(reg.impi, nonce),
      ])
    )
    throw new SipError(403, 'Forbidden (Too Many Failed Authentications)', {
      retryAfter: svc.limiter.retryAfterSeconds,
    })
  }
  // RFC 8760 §2.4 / RFC 7616 §3.7: challenges in order of preference, SHA-256 first. MD5 stays
  // for the clients that know nothing else (sip.js keeps the last WWW-Authenticate it parses).
  const headers: Array<[string, string]> = []
  if (data.ha1.sha256)
    headers.push(['WWW-Authenticate', challengeValue(data, nonce, 'SHA-256', stale)])
  headers.push(['WWW-Authenticate', challengeValue(data, nonce, 'MD5', stale)])
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

/** The digest-auth step. */
export const digestAuth: RegisterStep = async (ctx: RegisterContext, next) => {
  const reg = need(ctx.reg, 'parsed registration')
  const svc = ctx.svc
  const answer = reg.credentials ? readAnswer(reg.credentials) : undefined
  if (!answer) return challenge(svc, reg, false)

  // Level 1: the challenge, alongside the speculative AoR read the bind step will use and the
  // limiter's counters (needed if this ends in a new challenge), so every outcome costs at
  // most two sequential store round trips.
  const impi = answer.username
  ctx.speculative = svc.aors.read(reg.impu)
  ctx.speculative.catch(() => undefined)
  const blocked = svc.limiter.blocked(reg.impi, reg.flow)
  blocked.catch(() => undefined)
  const rec = await svc.challenges.read(impi, answer.nonce).catch(storeFailure)
  if (!rec || rec.data.realm !== answer.realm) return challenge(svc, reg, true, blocked)
  // RFC 7616 §3.4: a count not above the last one accepted is a replay.
  if (answer.nc <= rec.cseq) return challenge(svc, reg, true, blocked)
  const ha1 = answer.algorithm === 'SHA-256' ? rec.data.ha1.sha256 : rec.data.ha1.md5
  if (!ha1) return challenge(svc, reg, true, blocked)
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
    const { hss, log, clock } = svc.deps
    svc.deps.defer(async () => {
      await Promise.allSettled([
        svc.limiter.recordFailure(impi, reg.flow),
        svc.challenges.retire(impi, answer.nonce, rec, clock.now() / 1000),
        hss.putRegData(rec.data.impu, 'dereg-auth-failed', impi),
      ])
      log.info('REGISTER authentication failed', { impi, impu: reg.impu })
    })
    throw new SipError(403, 'Forbidden')
  }
  ctx.auth = { impi, nonce: answer.nonce, nc: answer.nc }
  // Recorded in the bind step's write round: the count (keeping the nonce usable until the
  // registration expires) and the timeout timer's cancellation.
  const keepUntilS = svc.nowMs / 1000 + svc.deps.config.REG_MAX_EXPIRES
  ctx.sideWrites.push(
    () => svc.challenges.accept(impi, answer.nonce, rec, answer.nc, keepUntilS),
    () => svc.timers.disarmAuthTimeout(impi, answer.nonce)
  )
  await next()
}
