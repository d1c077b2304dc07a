/**
 * @module ellis/numbers/number-pool
 * The number pool on the global table (clearwater-interfaces §1.4 step 1, architecture §5). Each
 * number is an item `NUMBER#<sip uri>` `{number_id, pstn, shard, pooled, owner?}`; a free number
 * also sits in its shard's sparse free index (gsi1 `POOL#<shard>`). Shards are seeded lazily by
 * their owner from the configured ranges (the shard record remembers which configuration it was
 * seeded with). Everything here acts only on shards this region owns, in transactions fenced by
 * the shard's owner record: taking a free number (a random one of its shard's free index, won by
 * a version-conditional update, so concurrent allocations in one region never share a number),
 * taking a specific number, and returning one. The caller (pool-service.ts) decides which region
 * does what.
 */
import type { Logger } from '../../../shared/log/logger'
import {
  ConditionFailed,
  type GlobalTable,
  type Item,
  keys,
  type TransactOp,
} from '../../../shared/vellum'
import { conflict } from '../api-errors'
import type { NumberRange } from '../ellis-config'
import type { ShardRecord } from '../ellis-deps'
import { randomHexId } from '../secrets'
import { numberShard, type ShardDirectory, uriShard } from '../shard-directory'

/** A number held by an account, as returned by a take. */
export interface TakenNumber {
  sipUri: string
  numberId: string
  pstn: boolean
}

export interface AccountRef {
  email: string
  fullName: string
}

/** FNV-1a of the ranges: which configuration a shard was seeded with. */
export function poolFingerprint(pool: NumberRange[]): string {
  return `v1:${keys.shardOf(JSON.stringify(pool), 0x7fffffff).toString(36)}`
}

/** The digits of each pool number in `shard` (in range order). */
export function numbersOfShard(
  pool: NumberRange[],
  shard: number
): Array<{ number: string; pstn: boolean }> {
  const out: Array<{ number: string; pstn: boolean }> = []
  for (const r of pool) {
    const width = r.from.length
    for (let n = BigInt(r.from); n <= BigInt(r.to); n++) {
      const number = n.toString().padStart(width, '0')
      if (numberShard(number, r.pstn) === shard) out.push({ number, pstn: r.pstn })
    }
  }
  return out
}

/** The pool range a number belongs to, if any. */
export function poolRangeOf(pool: NumberRange[], number: string): NumberRange | undefined {
  if (!/^\d+$/.test(number)) return undefined
  return pool.find(
    (r) =>
      r.from.length === number.length &&
      BigInt(number) >= BigInt(r.from) &&
      BigInt(number) <= BigInt(r.to)
  )
}

/** The account-side item of an owned number (gsi1 = global address book while listed). */
export function accountNumberItem(
  acct: AccountRef,
  n: TakenNumber,
  extra: Record<string, string | number | boolean> = {}
): Item {
  return {
    ...keys.accountNumberKey(acct.email, n.sipUri),
    ...keys.gabIndex(acct.fullName, acct.email),
    sip_uri: n.sipUri,
    number_id: n.numberId,
    pstn: n.pstn,
    gab_listed: 1,
    email: acct.email.trim().toLowerCase(),
    full_name: acct.fullName,
    ...extra,
  }
}

export interface NumberPoolDeps {
  table: GlobalTable
  shards: ShardDirectory
  pool: NumberRange[]
  domain: string
  log: Logger
  now: () => number
  random: () => number
}

/** How many free numbers one look at a shard's free index reads before picking one. */
const PICK_FROM = 20

export class NumberPool {
  constructor(private readonly d: NumberPoolDeps) {}

  /** The table this region writes (its replica). */
  get table(): GlobalTable {
    return this.d.table
  }

  sipUri(number: string): string {
    return `sip:${number}@${this.d.domain}`
  }

  /** The numbers shard a SIP URI lives in: pool numbers by digits, others by the URI. */
  shardOfUri(sipUri: string): number {
    const m = /^sip:([^@;]+)@([^;>]+)$/.exec(sipUri)
    if (m && m[2]!.toLowerCase() === this.d.domain.toLowerCase()) {
      const range = poolRangeOf(this.d.pool, m[1]!)
      if (range) return numberShard(m[1]!, range.pstn)
    }
    return uriShard(sipUri)
  }

  isPoolNumber(sipUri: string): boolean {
    const m = /^sip:([^@;]+)@([^;>]+)$/.exec(sipUri)
    return (
      !!m &&
      m[2]!.toLowerCase() === this.d.domain.toLowerCase() &&
      !!poolRangeOf(this.d.pool, m[1]!)
    )
  }

  /**
   * Puts the shard's configured numbers into the table (once per configuration) and returns the
   * shard's record as it is afterwards (seeding changes its version, which fences later writes).
   */
  async seed(rec: ShardRecord): Promise<ShardRecord> {
    const fp = poolFingerprint(this.d.pool)
    if (rec.seeded === fp) return rec
    const numbers = numbersOfShard(this.d.pool, rec.shard)
    const BATCH = 25
    for (let i = 0; i < numbers.length; i += BATCH) {
      await Promise.all(
        numbers.slice(i, i + BATCH).map(async ({ number, pstn }) => {
          const sipUri = this.sipUri(number)
          const numberId = randomHexId()
          try {
            await this.d.table.put(
              {
                ...keys.numberKey(sipUri),
                ...keys.freeNumberIndex(rec.shard, sipUri),
                ...keys.numberIdIndex(numberId),
                sip_uri: sipUri,
                number_id: numberId,
                pstn,
                shard: rec.shard,
                pooled: true,
              },
              { condition: { ifNotExists: true } }
            )
          } catch (err) {
            if (!(err instanceof ConditionFailed)) throw err
          }
        })
      )
    }
    await this.d.shards.markSeeded(rec, fp)
    this.d.log.info('number pool shard seeded', { shard: rec.shard, numbers: numbers.length })
    return this.d.shards.record(rec.domain, rec.shard, true)
  }

  /**
   * Takes a random free number from one of `owned` (this region's shards of the right kind) for
   * `acct`. Undefined when they are all empty. Throws FenceLost when a shard moved meanwhile.
   */
  async takeFree(owned: ShardRecord[], acct: AccountRef): Promise<TakenNumber | undefined> {
    const order = [...owned]
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(this.d.random() * (i + 1))
      ;[order[i], order[j]] = [order[j]!, order[i]!]
    }
    for (const candidate of order) {
      const rec = await this.seed(candidate)
      if (rec.owner !== candidate.owner) continue
      for (let attempt = 0; attempt < 5; attempt++) {
        const page = await this.d.table.query({
          index: 'gsi1',
          pk: keys.freePoolIndexPk(rec.shard),
          limit: PICK_FROM,
        })
        if (page.items.length === 0) break
        const item = page.items[Math.floor(this.d.random() * page.items.length)]!
        const n: TakenNumber = {
          sipUri: String(item.sip_uri),
          numberId: String(item.number_id),
          pstn: item.pstn === true,
        }
        try {
          await this.d.shards.transact(rec, [
            this.claimOp(item, acct),
            {
              put: accountNumberItem(acct, n, { pending_ms: this.d.now() }),
              condition: { ifNotExists: true },
            },
          ])
          return n
        } catch (err) {
          // Another allocation in this region won that number: look again.
          if (!(err instanceof ConditionFailed)) throw err
        }
      }
    }
    return undefined
  }

  /** Takes a given SIP URI for `acct` (409 when someone holds it). `rec` owns its shard. */
  async takeSpecific(
    rec: ShardRecord,
    sipUri: string,
    pstn: boolean,
    acct: AccountRef
  ): Promise<TakenNumber> {
    const existing = await this.d.table.get(keys.numberKey(sipUri), { consistent: true })
    if (existing?.owner !== undefined) throw conflict(`${sipUri} is already allocated`)
    const n: TakenNumber = {
      sipUri,
      numberId: existing ? String(existing.number_id) : randomHexId(),
      pstn: existing ? existing.pstn === true : pstn,
    }
    const numberOp: TransactOp = existing
      ? this.claimOp(existing, acct)
      : {
          put: {
            ...keys.numberKey(sipUri),
            ...keys.numberIdIndex(n.numberId),
            sip_uri: sipUri,
            number_id: n.numberId,
            pstn: n.pstn,
            shard: rec.shard,
            pooled: this.isPoolNumber(sipUri),
            owner: acct.email.trim().toLowerCase(),
            allocated_ms: this.d.now(),
          },
          condition: { ifNotExists: true },
        }
    try {
      await this.d.shards.transact(rec, [
        numberOp,
        {
          put: accountNumberItem(acct, n, { pending_ms: this.d.now() }),
          condition: { ifNotExists: true },
        },
      ])
    } catch (err) {
      if (err instanceof ConditionFailed) throw conflict(`${sipUri} is already allocated`)
      throw err
    }
    return n
  }

  /**
   * Returns `sipUri` to the pool (a pool number becomes free again, any other number is
   * forgotten) and removes it from `email`'s account. `rec` owns its shard.
   */
  async release(rec: ShardRecord, sipUri: string, email: string): Promise<void> {
    const owner = email.trim().toLowerCase()
    const item = await this.d.table.get(keys.numberKey(sipUri), { consistent: true })
    const ops: TransactOp[] = [{ delete: keys.accountNumberKey(owner, sipUri) }]
    if (item && item.owner === owner) {
      const cond = { ifVersion: Number(item.version) }
      ops.push(
        item.pooled === true
          ? {
              update: keys.numberKey(sipUri),
              changes: {
                set: { ...keys.freeNumberIndex(rec.shard, sipUri), released_ms: this.d.now() },
                remove: ['owner', 'allocated_ms'],
              },
              condition: cond,
            }
          : { delete: keys.numberKey(sipUri), condition: cond }
      )
    }
    await this.d.shards.transact(rec, ops)
  }

  private claimOp(item: Item, acct: AccountRef): TransactOp {
    return {
      update: { pk: item.pk, sk: item.sk },
      changes: {
        set: { owner: acct.email.trim().toLowerCase(), allocated_ms: this.d.now() },
        remove: ['gsi1pk', 'gsi1sk'],
      },
      condition: { ifVersion: Number(item.version) },
    }
  }
}
