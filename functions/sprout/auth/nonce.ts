/**
 * @module sprout/auth/nonce
 * Sprout's digest-nonce key, derived once per isolate from the trusted-zone secret. The nonce
 * itself (layout, minting, checking) is shared with the edge, which mints the same fresh
 * challenge (shared/hop/digest-nonce.ts); `openNonce` is passed on for the I-CSCF's check.
 */
import { nonceKeyCache } from '../../../shared/hop/digest-nonce'

export { openNonce } from '../../../shared/hop/digest-nonce'

/** The nonce key for `secret` (derived once per isolate and secret). */
export const nonceKey = nonceKeyCache()
