/**
 * @module ellis/shard-owner
 * Runs a write where it may happen (architecture §5, docs/geo-redundancy.md): in this region
 * when it owns the shard, in the owner region otherwise. Ownership never moves because the
 * owner does not answer: the global table replicates each item on its own, last writer wins,
 * and evaluates conditions on the local replica only, so a region that took a silent peer's
 * shards over could not see what the peer wrote just before (or is still writing behind a
 * partition) and would hand out the same number or e-mail address twice. An owner that does not
 * answer (transport failure or timeout) is therefore a 503 with Retry-After: the client retries
 * and loses nothing. When a fenced write finds that the shard moved meanwhile (an operator moved
 * it), the view is refreshed and the routing decided again. A request that was already forwarded
 * is never forwarded a second time: if the two regions disagree about the owner even after a
 * fresh read, the answer is 503 and the client retries.
 *
 * {@link rebalance} moves shards home: a region whose home shards are held by the peer asks for
 * them back, and a region holding the peer's shards hands them back once the peer answers its
 * ping, so ownership converges to one owner per shard, its home. It runs at most every
 * REBALANCE_INTERVAL_MS per isolate, after a request, and on demand
 * (`POST /api/shards/rebalance`).
 */
import type { Region } from '../../shared/config/regions'
import type { Logger } from '../../shared/log/logger'
import { unavailable } from './api-errors'
import { OWNER_RETRY_AFTER_S, REBALANCE_INTERVAL_MS, type ShardDomain } from './ellis-config'
import type { IsolateState, ShardRecord } from './ellis-deps'
import type { PeerLink } from './peer-link'
import { FenceLost, type ShardDirectory } from './shard-directory'
import { Unreachable } from './upstream'

export interface OwnerRouting {
  shards: ShardDirectory
  peer: PeerLink
  region: Region
  /** The region that forwarded this request to us, if any. */
  forwardedBy: Region | undefined
  log: Logger
}

const ATTEMPTS = 4

export async function asShardOwner<T>(
  r: OwnerRouting,
  domain: ShardDomain,
  shard: number,
  local: (rec: ShardRecord) => Promise<T>,
  remote: (owner: Region) => Promise<T>
): Promise<T> {
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const rec = await r.shards.record(domain, shard, attempt > 0)
    if (rec.owner === r.region) {
      try {
        return await local(rec)
      } catch (err) {
        if (err instanceof FenceLost) continue
        throw err
      }
    }
    if (r.forwardedBy !== undefined) {
      if (attempt === 0) continue
      throw unavailable(`shard ${domain}/${shard} is changing owner; retry`)
    }
    try {
      return await remote(rec.owner)
    } catch (err) {
      if (!(err instanceof Unreachable)) throw err
      r.log.warn('shard owner unreachable: write refused (owner-region writes only)', {
        owner: rec.owner,
        domain,
        shard,
      })
      throw ownerUnreachable(domain, rec.owner)
    }
  }
  throw unavailable(`shard ${domain}/${shard} could not be written; retry`)
}

/** 503 for a write whose owner region does not answer (docs/geo-redundancy.md). */
export function ownerUnreachable(domain: ShardDomain, owner: Region) {
  return unavailable(
    `region ${owner}, which owns this ${domain === 'accounts' ? 'e-mail address' : 'number'}, is unreachable; retry later`,
    OWNER_RETRY_AFTER_S
  )
}

export interface RebalanceResult {
  askedBack: number
  handedBack: number
}

/** Moves shards back to their home regions where that is possible now. */
export async function rebalance(
  shards: ShardDirectory,
  peer: PeerLink,
  region: Region,
  peerRegion: Region,
  log: Logger
): Promise<RebalanceResult> {
  const result: RebalanceResult = { askedBack: 0, handedBack: 0 }
  const mineAway = await shards.heldElsewhere(region)
  if (mineAway.length > 0) {
    try {
      const r = await peer.internal(peerRegion, '/internal/shards/handback', { to: region })
      if (r.status === 200) result.askedBack = (JSON.parse(r.text) as { moved: number }).moved
    } catch (err) {
      if (!(err instanceof Unreachable)) throw err
    }
  }
  const theirsHere = (await shards.heldElsewhere(peerRegion)).filter((s) => s.owner === region)
  if (theirsHere.length > 0 && (await peer.alive(peerRegion)))
    result.handedBack = await shards.handBack(peerRegion)
  if (result.askedBack || result.handedBack) log.info('shards rebalanced', { ...result })
  return result
}

/** Whether a periodic rebalance is due in this isolate (and claims it). */
export function rebalanceDue(isolate: IsolateState, nowMs: number): boolean {
  if (nowMs - isolate.lastRebalanceMs < REBALANCE_INTERVAL_MS) return false
  isolate.lastRebalanceMs = nowMs
  return true
}
