/**
 * Helpers for the geo-redundancy suite (test/gr): the cloud's partition and replication controls
 * (control API, infra/local/control-api.ts) and direct clients of each region's table replica.
 * The suite needs a cloud started with `LOCAL_TABLE_MODE=mrec` (see docs/geo-redundancy.md);
 * {@link requireMrec} says so plainly when it is not.
 */
import {
  type AttributeValue,
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  TransactWriteItemsCommand,
} from '@aws-sdk/client-dynamodb'
import type { TableMode } from '../../../infra/local/contract'
import type { ReplicationReport } from '../../../infra/local/emulators/replication-report'
import type { Region } from '../../../shared/config/regions'
import { endpoints } from '../../support/cloud'

export type { Direction } from '../../../infra/local/emulators/replication-report'

/** `GET /replication`: the replicator's report (infra/local/emulators/replication-report.ts). */
export type Replication = ReplicationReport & { mode: TableMode }

export async function control<T = unknown>(path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${endpoints().control}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
  if (!res.ok) throw new Error(`control ${path}: ${res.status} ${await res.text()}`)
  return (await res.json()) as T
}

export const replication = () => control<Replication>('/replication')
export const partition = () => control<Replication>('/partition', {})
export const heal = () => control<Replication>('/heal', {})
export const setLag = (lagMs: number, jitterMs?: number) =>
  control<Replication>('/replication', { lagMs, ...(jitterMs === undefined ? {} : { jitterMs }) })
/** Runs the TTL process of one replica (or both) now; resolves to the items it deleted. */
export const sweepExpired = (region?: Region) =>
  control<{ deleted: number }>('/replication/ttl-sweep', region ? { region } : {}).then(
    (r) => r.deleted
  )

/** Throws unless the cloud models the global table as MREC (two replicas). */
export async function requireMrec(): Promise<void> {
  const r = await replication()
  if (r.mode !== 'mrec')
    throw new Error(
      'test/gr needs a local cloud started with LOCAL_TABLE_MODE=mrec (docs/geo-redundancy.md)'
    )
}

/** Waits until nothing is pending in either direction. */
export async function drained(timeoutMs = 20_000): Promise<Replication> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const r = await replication()
    if (r.pending['a->b'] === 0 && r.pending['b->a'] === 0) return r
    if (Date.now() > deadline)
      throw new Error(`replication not drained within ${timeoutMs} ms: ${JSON.stringify(r)}`)
    await new Promise((res) => setTimeout(res, 50))
  }
}

const clients = new Map<Region, DynamoDBClient>()

/** A client of region `r`'s replica, signed as that region's callers sign. */
export function replica(r: Region): DynamoDBClient {
  let c = clients.get(r)
  if (!c) {
    c = new DynamoDBClient({
      endpoint: endpoints().tables[r],
      region: `local-${r}`,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    })
    clients.set(r, c)
  }
  return c
}

export const TABLE = 'edgewater'
export type Item = Record<string, AttributeValue>
export const key = (pk: string, sk = 'T') => ({ pk: { S: pk }, sk: { S: sk } })

export async function getItem(r: Region, pk: string, sk = 'T'): Promise<Item | undefined> {
  const out = await replica(r).send(
    new GetItemCommand({ TableName: TABLE, Key: key(pk, sk), ConsistentRead: true })
  )
  return out.Item
}

export async function putItem(r: Region, item: Item): Promise<void> {
  await replica(r).send(new PutItemCommand({ TableName: TABLE, Item: item }))
}

export async function deleteItem(r: Region, pk: string, sk = 'T'): Promise<void> {
  await replica(r).send(new DeleteItemCommand({ TableName: TABLE, Key: key(pk, sk) }))
}

export async function transactPut(r: Region, items: Item[]): Promise<void> {
  await replica(r).send(
    new TransactWriteItemsCommand({
      TransactItems: items.map((Item) => ({ Put: { TableName: TABLE, Item } })),
    })
  )
}

/** A fresh partition key per test, so tests never see each other's items. */
export const uniquePk = (what: string) =>
  `GRTEST#${what}#${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`
