/**
 * @module dime/dime-keys
 * The storage keys of Dime's Ralf role beyond the shared ones of `shared/vellum/keys.ts`: the
 * served-user index of CDRs and the regional-KV keys of charging sessions. The HSS role's keys
 * (registration state, public-id listing, Homestead cache) are in shared/homestead/homestead-keys.ts,
 * which Sprout's in-process Homestead reads too. Formats follow docs/global-table.md conventions
 * (upper-case tag, `#`, zero-padded numbers) and are documented in docs/dime.md.
 */
import type { TableKey } from '../../shared/vellum/global-table'
import { cdrKey } from '../../shared/vellum/keys'

const pad = (n: number, width: number) => String(Math.max(0, Math.floor(n))).padStart(width, '0')

/**
 * A CDR of one accounting record. The shared {@link cdrKey} orders a call's CDRs by time and
 * record number; the role, the node functionality and a per-record nonce are appended so no two
 * records of one call collide (the originating and terminating S-CSCF, two EVENTs in one ms).
 */
export function cdrItemKey(
  callId: string,
  eventMs: number,
  recordNumber: number,
  role: number,
  functionality: number,
  nonce: string
): TableKey {
  const k = cdrKey(callId, eventMs, recordNumber)
  return { pk: k.pk, sk: `${k.sk}#${role}-${functionality}#${nonce}` }
}

/** gsi2: a served user's CDRs in time order. */
export const cdrUserIndex = (user: string, eventMs: number, callId: string) => ({
  gsi2pk: `CDRUSER#${user}`,
  gsi2sk: `${pad(eventMs, 15)}#${callId}`,
})
export const cdrUserIndexPk = (user: string) => `CDRUSER#${user}`
export const cdrTimeSk = (ms: number) => pad(ms, 15)

// ---- Regional KV ----

/** Ralf: a charging session (Clearwater `session` table: call id + role + function). */
export const ralfSessionKey = (callId: string, role: number, fn: number) =>
  `ralf:session:${callId}:${role}:${fn}`
/** Ralf: the session's Accounting-Record-Number counter. */
export const ralfRecordNumberKey = (callId: string, role: number, fn: number) =>
  `ralf:arn:${callId}:${role}:${fn}`
