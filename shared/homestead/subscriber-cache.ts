/**
 * @module homestead/subscriber-cache
 * The Homestead cache (clearwater-interfaces §9.4) in the regional KV, dual-written so either
 * region answers Sprout's hot-path reads in one KV round trip:
 * - `dime:impu:<impu>`: the set's IMS subscription, public ids, private ids and registration
 *   state, one copy per public id of the set;
 * - `dime:impi:<impi>`: the private id's digest and the public ids it may authenticate.
 * A miss reads the global table and fills the entry. Entries live `CACHE_TTL_S` (twice the HSS
 * re-registration time, as Clearwater's `impu` store). Provisioning changes rebuild the entries
 * they affect from the table they wrote; registration-state changes rewrite every entry of the
 * set.
 */
import { computeHa1 } from '../sip/digest'
import type { RegionalKv } from '../vellum/regional-kv'
import { CACHE_TTL_S } from './homestead-config'
import { impiCacheKey, impuCacheKey } from './homestead-keys'
import { type IrsView, irsView } from './irs-view'
import type { IrsBundle, RegistrationRecord, SubscriberStore } from './subscriber-store'

export const NOT_REGISTERED: RegistrationRecord = { state: 'NOT_REGISTERED', impis: [] }

export interface ImpuCacheRecord extends IrsView {
  v: 1
  reg: RegistrationRecord
  /** When the entry was built from the global table (ms). */
  builtAt: number
}

export interface ImpiCacheRecord {
  v: 1
  digestHa1: string
  /** SHA-256 HA1 (RFC 8760), when the password was provisioned in plaintext. */
  digestHa1Sha256?: string
  realm: string
  /** Public ids of every IRS the private id belongs to. */
  publicIds: string[]
  builtAt: number
}

/** What the cache needs of the regional KV (Sprout's in-process Homestead reads ahead through it). */
export type CacheKv = Pick<RegionalKv, 'get' | 'set' | 'del'>

export class SubscriberCache {
  constructor(
    private readonly kv: CacheKv,
    private readonly store: SubscriberStore,
    private readonly now: () => number
  ) {}

  /** Builds the record of a set from its stored bundle. */
  recordOf(bundle: IrsBundle): ImpuCacheRecord {
    return { v: 1, ...irsView(bundle), reg: bundle.reg ?? NOT_REGISTERED, builtAt: this.now() }
  }

  /** Reads the set of `impu` from the global table (no cache). */
  async loadFresh(impu: string): Promise<ImpuCacheRecord | undefined> {
    const pub = await this.store.getPublicId(impu)
    if (!pub) return undefined
    const bundle = await this.store.loadIrs(pub.irs)
    if (!bundle.exists) return undefined
    return this.recordOf(bundle)
  }

  /** The cached record of `impu`, filling the cache on a miss; undefined for an unknown id. */
  async impu(impu: string): Promise<ImpuCacheRecord | undefined> {
    const hit = await this.kv.get<ImpuCacheRecord>(impuCacheKey(impu))
    if (hit && hit.v === 1) return hit
    const rec = await this.loadFresh(impu)
    if (rec) await this.kv.set(impuCacheKey(impu), rec, { ttlSeconds: CACHE_TTL_S })
    return rec
  }

  /** Writes the record under every public id of its set (after a state change or refresh). */
  async writeAll(rec: ImpuCacheRecord): Promise<void> {
    await Promise.all(
      rec.impus.map((i) => this.kv.set(impuCacheKey(i), rec, { ttlSeconds: CACHE_TTL_S }))
    )
  }

  /** The cached record of a private id, filling the cache on a miss. */
  async impi(impi: string): Promise<ImpiCacheRecord | undefined> {
    const hit = await this.kv.get<ImpiCacheRecord>(impiCacheKey(impi))
    if (hit && hit.v === 1) return hit
    const rec = await this.loadImpiFresh(impi)
    if (rec) await this.kv.set(impiCacheKey(impi), rec, { ttlSeconds: CACHE_TTL_S })
    return rec
  }

  /** Reads a private id's record from the global table (no cache). */
  async loadImpiFresh(impi: string): Promise<ImpiCacheRecord | undefined> {
    const [priv, irsIds] = await Promise.all([
      this.store.getPrivateId(impi),
      this.store.irsOfPrivateId(impi),
    ])
    if (!priv) return undefined
    const bundles = await Promise.all(irsIds.map((irs) => this.store.loadIrs(irs)))
    return {
      v: 1,
      digestHa1: priv.digestHa1,
      ...(priv.plaintextPassword
        ? { digestHa1Sha256: computeHa1(impi, priv.realm, priv.plaintextPassword, 'SHA-256') }
        : {}),
      realm: priv.realm,
      publicIds: bundles.flatMap((b) => b.publicIds.map((p) => p.impu)),
      builtAt: this.now(),
    }
  }

  /**
   * Rebuilds the entries of these public and private ids from this region's table, where the
   * provisioning change was just written, and writes them in both regions; an id that no longer
   * exists loses its entry. Not a delete: the global table replicates to the other region
   * asynchronously, and a read there that missed the cache would refill it from its replica's
   * older copy, serving the old iFC or password until the entry expired (docs/geo-redundancy.md).
   */
  async refresh(impus: Iterable<string>, impis: Iterable<string>): Promise<void> {
    const writes: Promise<unknown>[] = []
    const pending = new Set(impus)
    for (const impu of pending) {
      const rec = await this.loadFresh(impu)
      if (!rec) {
        writes.push(this.kv.del(impuCacheKey(impu)))
        continue
      }
      // One read serves every public id of the set.
      for (const i of rec.impus) {
        writes.push(this.kv.set(impuCacheKey(i), rec, { ttlSeconds: CACHE_TTL_S }))
        if (i !== impu) pending.delete(i)
      }
    }
    for (const impi of new Set(impis)) {
      const rec = await this.loadImpiFresh(impi)
      writes.push(
        rec
          ? this.kv.set(impiCacheKey(impi), rec, { ttlSeconds: CACHE_TTL_S })
          : this.kv.del(impiCacheKey(impi))
      )
    }
    await Promise.all(writes)
  }
}
