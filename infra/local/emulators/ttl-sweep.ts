/**
 * @module ttl-sweep
 * One replica's TTL process in the local global table (table-replicator.ts): DynamoDB deletes
 * items whose `ttl` attribute (epoch seconds) has passed; here a sweep does it by the cloud's
 * clock, each delete made under the item's lock and recorded as a write of that replica, so it
 * is stamped and replicated like any other delete.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb'
import { TTL_ATTRIBUTE } from '../../../shared/vellum/table-schema'
import type { ReplicaClient } from './dynamo-wire'
import { type ItemKey, keyString } from './item-locks'

/** How a sweep takes an item's lock and reports the deletes it committed. */
export interface SweepHooks {
  lock(keys: readonly string[]): Promise<() => void>
  committed(items: readonly ItemKey[]): void
}

/** Deletes the expired items of `table` in the replica `client` reaches; how many. */
export async function sweepExpired(
  client: ReplicaClient,
  table: string,
  clockNowMs: number,
  hooks: SweepHooks
): Promise<number> {
  const nowS = Math.floor(clockNowMs / 1000)
  let deleted = 0
  let start: Record<string, AttributeValue> | undefined
  do {
    const page = (await client.send('Scan', {
      TableName: table,
      FilterExpression: '#ttl < :now',
      ExpressionAttributeNames: { '#ttl': TTL_ATTRIBUTE, '#pk': 'pk', '#sk': 'sk' },
      ExpressionAttributeValues: { ':now': { N: String(nowS) } },
      ProjectionExpression: '#pk, #sk',
      ...(start ? { ExclusiveStartKey: start } : {}),
    })) as {
      Items?: Array<Record<string, AttributeValue>>
      LastEvaluatedKey?: Record<string, AttributeValue>
    }
    for (const key of page.Items ?? []) {
      const item: ItemKey = { table, key, image: null }
      const release = await hooks.lock([keyString(item)])
      try {
        // Only if still expired: a refresh that landed meanwhile keeps the item.
        await client.send('DeleteItem', {
          TableName: table,
          Key: key,
          ConditionExpression: '#ttl < :now',
          ExpressionAttributeNames: { '#ttl': TTL_ATTRIBUTE },
          ExpressionAttributeValues: { ':now': { N: String(nowS) } },
        })
        hooks.committed([item])
        deleted++
      } catch (err) {
        if ((err as { name?: string }).name !== 'ConditionalCheckFailedException') throw err
      } finally {
        release()
      }
    }
    start = page.LastEvaluatedKey
  } while (start)
  return deleted
}
