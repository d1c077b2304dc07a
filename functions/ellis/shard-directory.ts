/**
 * @module ellis/shard-directory
 * Shard ownership (architecture §5, seed 004): the number pool and account e-mail uniqueness
 * need conflict-free read-modify-writes across two regions whose global table replicates
 * last-writer-wins, so each is split into shards and every shard is written by exactly one
 * region, its owner. The owner record `SHARD#<domain>/<nnn>` holds `{owner, home, epoch}`:
 * `home` is the region the shard belongs to in normal operation (even shards a, odd shards b),
 * `owner` the region allowed to write it now, and `epoch` counts ownership changes.
 *
 * Every write to a shard's data is a transaction that also checks the owner record's version
 * (the {@link ShardDirectory.fence}), so a region that lost a shard cannot write it any more
 * even with a stale view. Ownership never moves on its own: the global table replicates item by
 * item, last writer wins, and checks conditions on the local replica only, so a survivor that
 * took a silent peer's shards over could reuse a number or an e-mail address the peer wrote just
 * before the failure (docs/geo-redundancy.md). Writes whose owner does not answer get 503
 * (shard-owner.ts). A shard held away from its home (moved by an operator, or by an older
 * release) goes back with {@link handBack} once its home answers, so ownership converges to one
 * owner per shard: its home.
 */
import { REGIONS, type Region } from '../../shared/config/regions'
import type { Logger } from '../../shared/log/logger'
import {
  ConditionFailed,
  type GlobalTable,
  type Item,
  keys,
  type TransactOp,
} from '../../shared/vellum'
import { SHARD_CACHE_MS, SHARD_COUNTS, type ShardDomain } from './ellis-config'
import type { IsolateState, ShardRecord } from './ellis-deps'

export const SHARD_DOMAINS: readonly ShardDomain[] = ['numbers', 'accounts']

/** Numbers have one set of shards per pool kind: not PSTN (0…n-1) and PSTN (n…2n-1). */
export function shardTotal(domain: ShardDomain): number {
  return domain === 'numbers' ? 2 * SHARD_COUNTS.numbers : SHARD_COUNTS.accounts
}

export const homeOf = (shard: number): Region => REGIONS[shard % REGIONS.length]!

/** The shard of a pool number (by its digits) in the pool of its kind. */
export function numberShard(number: string, pstn: boolean): number {
  return keys.shardOf(number, SHARD_COUNTS.numbers) + (pstn ? SHARD_COUNTS.numbers : 0)
}

/** The shard of an account e-mail address. */
export function accountShard(email: string): number {
  return keys.shardOf(email.trim().toLowerCase(), SHARD_COUNTS.accounts)
}

/** The numbers shard of a SIP URI that is not from the pool (specific numbers). */
export function uriShard(sipUri: string): number {
  return keys.shardOf(sipUri, SHARD_COUNTS.numbers)
}

/** A write lost its fence: the shard changed owner (or epoch) since it was read. */
export class FenceLost extends Error {
  override name = 'FenceLost'
}

function toRecord(domain: ShardDomain, it: Item): ShardRecord | undefined {
  const shard = Number(it.sk)
  const owner = it.owner
  const home = it.home
  if (
    !Number.isInteger(shard) ||
    (owner !== 'a' && owner !== 'b') ||
    (home !== 'a' && home !== 'b')
  )
    return undefined
  return {
    domain,
    shard,
    owner,
    home,
    epoch: typeof it.epoch === 'number' ? it.epoch : 0,
    version: typeof it.version === 'number' ? it.version : 0,
    seeded: typeof it.seeded === 'string' ? it.seeded : undefined,
  }
}

export interface ShardDirectoryDeps {
  table: GlobalTable
  log: Logger
  now: () => number
  region: Region
  isolate: IsolateState
}

export class ShardDirectory {
  constructor(private readonly d: ShardDirectoryDeps) {}

  /** Every shard record of a domain, created on first use; cached for SHARD_CACHE_MS. */
  async records(domain: ShardDomain, fresh = false): Promise<ShardRecord[]> {
    const hit = this.d.isolate.shardMaps.get(domain)
    if (!fresh && hit && this.d.now() - hit.readAtMs < SHARD_CACHE_MS) return hit.records
    let records = await this.load(domain)
    if (records.length < shardTotal(domain)) {
      await this.create(domain, records)
      records = await this.load(domain)
    }
    this.d.isolate.shardMaps.set(domain, { readAtMs: this.d.now(), records })
    return records
  }

  async record(domain: ShardDomain, shard: number, fresh = false): Promise<ShardRecord> {
    const r = (await this.records(domain, fresh)).find((x) => x.shard === shard)
    if (!r) throw new Error(`shard ${domain}/${shard} has no owner record`)
    return r
  }

  invalidate(domain?: ShardDomain): void {
    if (domain) this.d.isolate.shardMaps.delete(domain)
    else this.d.isolate.shardMaps.clear()
  }

  /** The transaction operation that makes a write conditional on `rec` being current. */
  fence(rec: ShardRecord): TransactOp {
    return {
      conditionCheck: keys.shardKey(rec.domain, rec.shard),
      condition: { ifVersion: rec.version },
    }
  }

  /**
   * Runs a fenced transaction: `ops` plus the fence last. A failed fence (or a conflict on the
   * owner record) is {@link FenceLost} after dropping the cached view; other failures pass.
   */
  async transact(rec: ShardRecord, ops: TransactOp[]): Promise<void> {
    try {
      await this.d.table.transact([...ops, this.fence(rec)])
    } catch (err) {
      if (err instanceof ConditionFailed && err.details.index === ops.length) {
        this.invalidate(rec.domain)
        throw new FenceLost(`shard ${rec.domain}/${rec.shard} changed while writing`)
      }
      throw err
    }
  }

  /** Records the pool fingerprint a numbers shard was seeded with (fenced by its version). */
  async markSeeded(rec: ShardRecord, fingerprint: string): Promise<void> {
    try {
      await this.d.table.update(
        keys.shardKey(rec.domain, rec.shard),
        { set: { seeded: fingerprint } },
        { condition: { ifVersion: rec.version } }
      )
    } catch (err) {
      if (!(err instanceof ConditionFailed)) throw err
    }
    this.invalidate(rec.domain)
  }

  /** Gives `to` back the shards that are its home and that this region holds. */
  async handBack(to: Region): Promise<number> {
    return this.move(
      (r) => r.home === to && r.owner === this.d.region,
      to,
      'handed back to its home region'
    )
  }

  /** Shards of `region`'s home held by the other region (it should ask for them back). */
  async heldElsewhere(region: Region): Promise<ShardRecord[]> {
    const out: ShardRecord[] = []
    for (const domain of SHARD_DOMAINS)
      for (const r of await this.records(domain, true))
        if (r.home === region && r.owner !== region) out.push(r)
    return out
  }

  private async move(pick: (r: ShardRecord) => boolean, to: Region, why: string): Promise<number> {
    let moved = 0
    for (const domain of SHARD_DOMAINS) {
      const candidates = (await this.records(domain, true)).filter(pick)
      await Promise.all(
        candidates.map(async (r) => {
          try {
            await this.d.table.update(
              keys.shardKey(domain, r.shard),
              { set: { owner: to, epoch: r.epoch + 1, changed_ms: this.d.now() } },
              { condition: { ifVersion: r.version } }
            )
            moved++
          } catch (err) {
            // Someone else moved it first: the fresh view next time tells who owns it now.
            if (!(err instanceof ConditionFailed)) throw err
          }
        })
      )
      this.invalidate(domain)
    }
    if (moved > 0) this.d.log.warn(`shards ${why}`, { shards: moved, to })
    return moved
  }

  private async load(domain: ShardDomain): Promise<ShardRecord[]> {
    const page = await this.d.table.query({
      pk: keys.shardDomainPk(domain),
      consistent: true,
      limit: 1000,
    })
    return page.items
      .map((it) => toRecord(domain, it))
      .filter((r): r is ShardRecord => r !== undefined)
      .sort((x, y) => x.shard - y.shard)
  }

  private async create(domain: ShardDomain, existing: ShardRecord[]): Promise<void> {
    const have = new Set(existing.map((r) => r.shard))
    const missing = Array.from({ length: shardTotal(domain) }, (_, i) => i).filter(
      (i) => !have.has(i)
    )
    await Promise.all(
      missing.map(async (shard) => {
        try {
          await this.d.table.put(
            {
              ...keys.shardKey(domain, shard),
              owner: homeOf(shard),
              home: homeOf(shard),
              epoch: 1,
              changed_ms: this.d.now(),
            },
            { condition: { ifNotExists: true } }
          )
        } catch (err) {
          if (!(err instanceof ConditionFailed)) throw err
        }
      })
    )
  }
}
