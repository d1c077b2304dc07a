/**
 * @module ellis/numbers/pool-service
 * Which region takes or returns a number (architecture §5, docs/geo-redundancy.md). The pool is
 * split into shards and every shard is written by its home region only, so two regions never
 * hand out the same number, even when the global table's replication lags or is cut. A free
 * number comes from one of this region's own shards of the right kind (PSTN or not); only when
 * those are empty does Ellis ask the other region (`POST /internal/pool/take`). When that region
 * does not answer, the answer is 503 (its half of the pool is never taken over: what it
 * allocated last may not have replicated here). A specific number, and the return of any number,
 * go to the owner of that number's shard (503 when it does not answer). An empty pool is 503
 * "No available numbers" (clearwater-interfaces §1.3).
 */
import { setNumberPrivateId } from '../accounts-store'
import { EllisError } from '../api-errors'
import { SHARD_COUNTS } from '../ellis-config'
import { rethrowInternal } from '../peer-link'
import { FenceLost } from '../shard-directory'
import { asShardOwner, type OwnerRouting, ownerUnreachable } from '../shard-owner'
import { Unreachable } from '../upstream'
import type { AccountRef, NumberPool, TakenNumber } from './number-pool'

const isPstnShard = (shard: number) => shard >= SHARD_COUNTS.numbers

export const noNumbers = () =>
  new EllisError(503, 'No available numbers', {}, { 'retry-after': '60' })

export interface PoolService {
  /** A free number for `acct`, from any region's shards. */
  allocate(acct: AccountRef, pstn: boolean): Promise<TakenNumber>
  /** A free number from this region's shards only (undefined when they are empty). */
  allocateHere(acct: AccountRef, pstn: boolean): Promise<TakenNumber | undefined>
  takeSpecific(sipUri: string, pstn: boolean, acct: AccountRef): Promise<TakenNumber>
  release(sipUri: string, email: string): Promise<void>
  /**
   * Ends a number's provisioning: records its private id on the account's item and clears the
   * pending mark, in the number's owner region (the region that wrote that item), so the update
   * never races the item's replication.
   */
  confirm(sipUri: string, email: string, privateId: string): Promise<void>
}

function parseTaken(text: string): TakenNumber {
  const j = JSON.parse(text) as { sip_uri: string; number_id: string; pstn: boolean }
  return { sipUri: j.sip_uri, numberId: j.number_id, pstn: j.pstn }
}

export function poolService(pool: NumberPool, r: OwnerRouting): PoolService {
  const peerRegion = r.region === 'a' ? 'b' : 'a'

  async function allocateHere(acct: AccountRef, pstn: boolean) {
    for (let attempt = 0; attempt < 4; attempt++) {
      const owned = (await r.shards.records('numbers', attempt > 0)).filter(
        (s) => s.owner === r.region && isPstnShard(s.shard) === pstn
      )
      try {
        return await pool.takeFree(owned, acct)
      } catch (err) {
        if (!(err instanceof FenceLost)) throw err
      }
    }
    throw new EllisError(
      503,
      'the number pool is changing owner; retry',
      {},
      { 'retry-after': '1' }
    )
  }

  return {
    allocateHere,

    async allocate(acct, pstn) {
      for (let attempt = 0; attempt < 3; attempt++) {
        const here = await allocateHere(acct, pstn)
        if (here) return here
        if (r.forwardedBy !== undefined) throw noNumbers()
        const theirs = (await r.shards.records('numbers', true)).filter(
          (s) => s.owner === peerRegion && isPstnShard(s.shard) === pstn
        )
        if (theirs.length === 0) throw noNumbers()
        try {
          const res = await r.peer.internal(peerRegion, '/internal/pool/take', {
            email: acct.email,
            full_name: acct.fullName,
            pstn,
          })
          if (res.status === 200) return parseTaken(res.text)
          if (res.status === 503 && res.text.includes('No available numbers')) throw noNumbers()
          rethrowInternal(res)
        } catch (err) {
          if (!(err instanceof Unreachable)) throw err
          r.log.warn("this region's numbers are used up and the other region is unreachable", {
            owner: peerRegion,
          })
          throw ownerUnreachable('numbers', peerRegion)
        }
      }
      throw noNumbers()
    },

    async takeSpecific(sipUri, pstn, acct) {
      return asShardOwner(
        r,
        'numbers',
        pool.shardOfUri(sipUri),
        (rec) => pool.takeSpecific(rec, sipUri, pstn, acct),
        async (owner) => {
          const res = await r.peer.internal(owner, '/internal/pool/take-specific', {
            sip_uri: sipUri,
            pstn,
            email: acct.email,
            full_name: acct.fullName,
          })
          if (res.status !== 200) rethrowInternal(res)
          return parseTaken(res.text)
        }
      )
    },

    async confirm(sipUri, email, privateId) {
      await asShardOwner(
        r,
        'numbers',
        pool.shardOfUri(sipUri),
        () => setNumberPrivateId(pool.table, email, sipUri, privateId),
        async (owner) => {
          const res = await r.peer.internal(owner, '/internal/pool/confirm', {
            sip_uri: sipUri,
            email,
            private_id: privateId,
          })
          if (res.status !== 200) rethrowInternal(res)
        }
      )
    },

    async release(sipUri, email) {
      await asShardOwner(
        r,
        'numbers',
        pool.shardOfUri(sipUri),
        (rec) => pool.release(rec, sipUri, email),
        async (owner) => {
          const res = await r.peer.internal(owner, '/internal/pool/release', {
            sip_uri: sipUri,
            email,
          })
          if (res.status !== 200) rethrowInternal(res)
        }
      )
    },
  }
}
