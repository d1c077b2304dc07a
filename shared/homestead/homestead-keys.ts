/**
 * @module homestead/homestead-keys
 * The storage keys of the HSS role that Dime and Sprout's in-process Homestead share, beyond the
 * shared ones of `shared/vellum/keys.ts`: the registration state item of an implicit registration
 * set, the listing items behind `GET /public/`, and the regional-KV keys of the Homestead cache.
 * Formats follow docs/global-table.md conventions (upper-case tag, `#`, zero-padded numbers) and
 * are documented in docs/dime.md.
 */
import type { TableKey } from '../vellum/global-table'

const pad = (n: number, width: number) => String(Math.max(0, Math.floor(n))).padStart(width, '0')

/** Registration state of an IRS `{state, impis, scscf}` (master copy; the KV holds a cache). */
export const registrationStateKey = (irs: string): TableKey => ({ pk: `IRS#${irs}`, sk: 'REG' })

/** gsi2 sort key of a service profile item in its `SP#<sp>` partition (beside its `IMPU#` members). */
export const SERVICE_PROFILE_INDEX_SK = 'SP'

/** FNV-1a 32-bit of a text: the position of an identity on the listing ring. */
export function ringHash(text: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i)
    h = Math.imul(h, 0x01000193) >>> 0
  }
  return h
}

/** The public-id listing is spread over 16 partitions: the top 4 bits of the ring hash. */
export const LISTING_PARTITION_BITS = 4
export const LISTING_PARTITION_SPAN = 2 ** (32 - LISTING_PARTITION_BITS)
export const hex8 = (n: number) => n.toString(16).padStart(8, '0')
export const listingPartitionOf = (ringPosition: number) =>
  Math.floor(ringPosition / LISTING_PARTITION_SPAN)

/**
 * The listing item of a public id (`{impu, irs, sp}`): partitioned by the top bits of its ring
 * hash and sorted by the full hash, so a chunk of the ring (Homestead-prov
 * `chunk-proportion`/`chunk`) is one range query per partition it spans.
 */
export function publicIdListingKey(impu: string): TableKey {
  const h = ringHash(impu)
  return { pk: listingPartitionPk(listingPartitionOf(h)), sk: `${hex8(h)}#${impu}` }
}
export const listingPartitionPk = (partition: number) => `IMPULIST#${pad(partition, 2)}`

// ---- Regional KV ----

/** Homestead cache: the IRS data and registration state, one copy per public id. */
export const impuCacheKey = (impu: string) => `dime:impu:${impu}`
/** Homestead cache: a private id's digest and the public ids it may authenticate. */
export const impiCacheKey = (impi: string) => `dime:impi:${impi}`
