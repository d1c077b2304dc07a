/**
 * @module vellum/keys
 * Key builders of the single-table design (docs/global-table.md): every item type's `pk`/`sk`
 * and index attributes are made here and nowhere else, so the formats in the document and in
 * the code cannot drift. Identities are used verbatim (they may contain `#`; the prefixes keep
 * partitions apart because every pk/sk starts with its own upper-case tag). E-mail addresses
 * are lower-cased. Sequence numbers and times are zero-padded so string order is numeric order.
 */
import type { TableKey } from './global-table'

const pad = (n: number, width: number) => String(Math.max(0, Math.floor(n))).padStart(width, '0')

// ---- Homestead-prov: private ids, implicit registration sets, service profiles, public ids ----

/** Private identity (IMPI): `{digest_ha1, realm, plaintext_password?}`. */
export const privateIdKey = (impi: string): TableKey => ({ pk: `IMPI#${impi}`, sk: 'IMPI' })

/** Prefix of the IRS associations of one private id (query `pk = IMPI#…`, `sk` prefix). */
export const IMPI_IRS_PREFIX = 'IRS#'

/**
 * Association private id ↔ IRS (many-to-many). Query by IMPI on the table; by IRS on gsi1
 * (`gsi1pk = IRS#<irs>`, `gsi1sk` prefix `IMPI#`).
 */
export const privateIdIrsLink = (impi: string, irs: string) => ({
  pk: `IMPI#${impi}`,
  sk: `IRS#${irs}`,
  gsi1pk: `IRS#${irs}`,
  gsi1sk: `IMPI#${impi}`,
})

/** The implicit registration set itself. */
export const irsKey = (irs: string): TableKey => ({ pk: `IRS#${irs}`, sk: 'IRS' })

/** A service profile of an IRS, holding the iFC XML (`{ifc_xml}`); sk prefix `SP#` lists them. */
export const serviceProfileKey = (irs: string, sp: string): TableKey => ({
  pk: `IRS#${irs}`,
  sk: `SP#${sp}`,
})
export const IRS_SERVICE_PROFILE_PREFIX = 'SP#'

/**
 * A public identity (IMPU) with `{irs, sp, barring, identity_type, public_identity_xml}`.
 * Listed per IRS on gsi1 (`IRS#<irs>` / `IMPU#<impu>`) and per service profile on gsi2
 * (`SP#<sp>` / `IMPU#<impu>`).
 */
export const publicIdKey = (impu: string): TableKey => ({ pk: `IMPU#${impu}`, sk: 'IMPU' })
export const publicIdIndexes = (impu: string, irs: string, sp: string) => ({
  gsi1pk: `IRS#${irs}`,
  gsi1sk: `IMPU#${impu}`,
  gsi2pk: `SP#${sp}`,
  gsi2sk: `IMPU#${impu}`,
})
/** gsi1 sort-key prefixes under `IRS#<irs>`. */
export const IRS_MEMBER_PREFIX = { privateIds: 'IMPI#', publicIds: 'IMPU#' } as const
export const irsIndexPk = (irs: string) => `IRS#${irs}`
export const serviceProfileIndexPk = (sp: string) => `SP#${sp}`

// ---- Homer: XDMS documents ----

/** An XCAP document of a user; simservs is `simservs.ngn.etsi.org` / `simservs.xml`. */
export const xdmsDocumentKey = (impu: string, auid: string, document: string): TableKey => ({
  pk: `IMPU#${impu}`,
  sk: `XDMS#${auid}/${document}`,
})
export const simservsKey = (impu: string): TableKey =>
  xdmsDocumentKey(impu, 'simservs.ngn.etsi.org', 'simservs.xml')

// ---- Ellis: accounts and numbers ----

const email = (e: string) => e.trim().toLowerCase()

/** An account `{password_hash, full_name, expires?}`; the pk makes the e-mail unique. */
export const accountKey = (address: string): TableKey => ({
  pk: `ACCOUNT#${email(address)}`,
  sk: 'ACCOUNT',
})
/** A password-recovery token of an account (carries `ttl`, 24 h). */
export const recoveryTokenKey = (address: string): TableKey => ({
  pk: `ACCOUNT#${email(address)}`,
  sk: 'RECOVERY',
})
/** A number owned by an account (`{number_id, pstn, gab_listed, private_id}`); sk prefix lists. */
export const accountNumberKey = (address: string, sipUri: string): TableKey => ({
  pk: `ACCOUNT#${email(address)}`,
  sk: `NUMBER#${sipUri}`,
})
export const ACCOUNT_NUMBER_PREFIX = 'NUMBER#'
/** Global address book entry index attributes (gsi1 `GAB` ordered by full name). */
export const gabIndex = (fullName: string, address: string) => ({
  gsi1pk: 'GAB',
  gsi1sk: `${fullName.toLowerCase()}#${email(address)}`,
})

/**
 * A number of the pool `{number_id, owner?, pstn, shard}`. While free it sits in the sparse
 * gsi1 partition of its shard (`POOL#<shard>` / `<sip uri>`); allocation removes those two
 * attributes with a conditional update. gsi2 finds a number by id (`NUMBERID#<id>`).
 */
export const numberKey = (sipUri: string): TableKey => ({ pk: `NUMBER#${sipUri}`, sk: 'NUMBER' })
export const freeNumberIndex = (shard: number, sipUri: string) => ({
  gsi1pk: `POOL#${pad(shard, 3)}`,
  gsi1sk: sipUri,
})
export const freePoolIndexPk = (shard: number) => `POOL#${pad(shard, 3)}`
export const numberIdIndex = (numberId: string) => ({
  gsi2pk: `NUMBERID#${numberId}`,
  gsi2sk: 'NUMBER',
})

// ---- Shard ownership (architecture §5) ----

/** Owner record of one shard of a domain (`numbers`, `accounts`): `{owner: region, epoch}`. */
export const shardKey = (domain: string, shard: number): TableKey => ({
  pk: `SHARD#${domain}`,
  sk: pad(shard, 3),
})
export const shardDomainPk = (domain: string) => `SHARD#${domain}`

/** The shard (0…count-1) a text belongs to: FNV-1a 32-bit, stable across runtimes. */
export function shardOf(text: string, count: number): number {
  let h = 0x811c9dc5
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i)
    h = Math.imul(h, 0x01000193) >>> 0
  }
  return h % count
}

// ---- Timer service ----

/** A timer's definition (either region can pop it): spec, start, generation. */
export const timerDefinitionKey = (id: string): TableKey => ({ pk: `TIMER#${id}`, sk: 'DEF' })
/** One pop of one generation of a timer: the conditional write that makes a pop happen once. */
export const timerPopKey = (id: string, generation: number, seq: number): TableKey => ({
  pk: `TIMER#${id}`,
  sk: `POP#${generation}#${pad(seq, 10)}`,
})

// ---- Charging and call lists ----

/** A CDR (ACR record) of a session, in the session's partition (shared/ralf/call-record.ts). */
export const cdrKey = (callId: string, eventMs: number, recordNumber: number): TableKey => ({
  pk: `CDR#${callId}`,
  sk: `${pad(eventMs, 15)}#${pad(recordNumber, 6)}`,
})

/** One call-list fragment of a user (Memento; `ttl` 7 days). Query reverse for newest first. */
export const callListKey = (impu: string, startMs: number, callId: string, fragment: string) => ({
  pk: `CALLS#${impu}`,
  sk: `${pad(startMs, 15)}#${callId}#${fragment}`,
})
export const callListPk = (impu: string) => `CALLS#${impu}`
