/**
 * @module homer/homer-config
 * Homer's limits and lifetimes, in one place (style A6 §4): document size, how long a cached
 * simservs model and a Ut digest nonce live, and how often a PUT without preconditions retries
 * when it loses an optimistic-versioning race.
 */
export const HOMER_LIMITS = {
  /** Largest simservs document accepted (413 above). A DynamoDB item holds at most 400 KB. */
  maxDocumentBytes: 64 * 1024,
  /** Attempts of an unconditional PUT/DELETE that keeps losing the version race (then 503). */
  writeAttempts: 4,
} as const

/** Seconds a Ut digest nonce is valid (RFC 7616 §5.4: limited lifetime); `stale=true` after. */
export const UT_NONCE_LIFETIME_S = 300
/** Extra seconds the nonce record outlives its lifetime, so a late answer is told "stale". */
export const UT_NONCE_GRACE_S = 60
