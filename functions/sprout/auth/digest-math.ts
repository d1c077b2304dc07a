/**
 * @module sprout/auth/digest-math
 * The digest computations the registrar uses, from the SIP core (RFC 2617, RFC 7616,
 * RFC 8760): the SHA-256 HA1 made from a provisioned password, the expected request-digest with
 * `qop=auth`, constant-time comparison and the challenge header value.
 */
import {
  buildChallenge,
  computeDigestResponse,
  computeHa1,
  constantTimeEqual,
  type DigestAlgorithm,
} from '../../../shared/sip/digest'
import { newNonce } from '../sip-build'

export { constantTimeEqual as safeEqual }

export const randomToken = (bytes: number) => newNonce(bytes)

export const sha256Ha1 = (username: string, realm: string, password: string): string =>
  computeHa1(username, realm, password, 'SHA-256')

export interface ResponseInput {
  algorithm: Extract<DigestAlgorithm, 'MD5' | 'SHA-256'>
  ha1: string
  method: string
  uri: string
  nonce: string
  nc: string
  cnonce: string
  qop: 'auth'
}

export const digestResponse = (i: ResponseInput): string => computeDigestResponse(i)

export function challengeHeader(o: {
  realm: string
  nonce: string
  opaque: string
  algorithm: 'MD5' | 'SHA-256'
  qop: string
  stale: boolean
}): string {
  return buildChallenge({
    realm: o.realm,
    nonce: o.nonce,
    opaque: o.opaque,
    algorithm: o.algorithm,
    stale: o.stale,
    qop: o.qop === 'auth-int' ? ['auth-int'] : ['auth'],
  })
}
