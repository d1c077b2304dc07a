/**
 * @module replay-guard
 * The per-isolate memory of trusted-zone signatures already accepted (architecture §3), so a
 * captured request replayed at the same isolate within its validity window is refused. It costs
 * no store command: a bounded map in the isolate's memory, oldest entry first. What it does not
 * cover (another isolate, or an entry evicted because the map was full) is left to the short
 * window and to the target binding of shared/hop/signature.ts; docs/internal-hop.md says so.
 */

/** Signatures remembered per isolate before the oldest is forgotten. */
export const DEFAULT_REPLAY_CAPACITY = 8_192

export interface ReplayGuard {
  /**
   * Records `signature`, valid until `expiresAt` (ms); answers false when it was already
   * recorded and has not expired (a replay).
   */
  admit(signature: string, expiresAt: number, now: number): boolean
  /** Entries held now (for tests and metrics). */
  readonly size: number
}

export function createReplayGuard(capacity = DEFAULT_REPLAY_CAPACITY): ReplayGuard {
  if (!Number.isInteger(capacity) || capacity < 1)
    throw new Error(`replay guard capacity must be a positive integer, got ${capacity}`)
  // Insertion order is expiry order closely enough: every entry lives the same window.
  const seen = new Map<string, number>()
  return {
    admit(signature, expiresAt, now) {
      for (const [k, exp] of seen) {
        if (exp > now) break
        seen.delete(k)
      }
      const held = seen.get(signature)
      if (held !== undefined && held > now) return false
      seen.set(signature, expiresAt)
      if (seen.size > capacity) seen.delete(seen.keys().next().value as string)
      return true
    },
    get size() {
      return seen.size
    },
  }
}
