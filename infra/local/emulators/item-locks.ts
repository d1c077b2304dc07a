/**
 * @module item-locks
 * Items of the local global table (table-replicator.ts) by key, and the per-replica locks that
 * serialise callers' writes and the replicator's copies of one item, so that a write time always
 * belongs to the version it was stamped on.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb'
import type { Region } from '../../../shared/config/regions'

/** One item's primary key as DynamoDB's wire format has it, with its table. */
export interface ItemKey {
  table: string
  key: Record<string, AttributeValue>
  /**
   * What the write left, when the request says: the whole item a put wrote, or `null` for a
   * delete. Absent when only the replica knows (an update), so a copy reads it there.
   */
  image?: Record<string, AttributeValue> | null
}

export function keyString(k: ItemKey): string {
  const pk = k.key.pk
  const sk = k.key.sk
  return JSON.stringify([k.table, pk, sk])
}

export class ItemLocks {
  private readonly locks: Record<Region, Map<string, Promise<void>>> = {
    a: new Map(),
    b: new Map(),
  }

  /**
   * Serialises work on items of one replica: resolves once every earlier holder of these keys
   * has released them, with the function that releases them. Keys are taken in a fixed order,
   * so two holders of overlapping sets cannot wait on each other.
   */
  async lock(region: Region, keys: readonly string[]): Promise<() => void> {
    const map = this.locks[region]
    const releases: Array<() => void> = []
    for (const k of [...new Set(keys)].sort()) {
      const prev = map.get(k)
      let release!: () => void
      const gate = new Promise<void>((r) => {
        release = r
      })
      const mine = prev ? prev.then(() => gate) : gate
      map.set(k, mine)
      if (prev) await prev
      releases.push(() => {
        release()
        if (map.get(k) === mine) map.delete(k)
      })
    }
    return () => {
      for (const r of releases) r()
    }
  }
}
