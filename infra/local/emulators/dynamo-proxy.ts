/**
 * @module dynamo-proxy
 * A counting proxy in front of DynamoDB Local, on the contract's DynamoDB port. It forwards every
 * request's path, fields and body as they came (DynamoDB Local reads the signature's credential
 * scope, not the signature), less the hop-by-hop fields, over persistent raw connections
 * (lean-http.ts serves the port, lean-forward.ts forwards: `node:http` on both sides cost the
 * local cloud more per table operation than the counting; docs/performance.md), and counts,
 * per region (read from the credential scope of the `Authorization` header, which names the
 * signing region), each operation by its `X-Amz-Target` name and its estimated capacity units:
 *
 * - writes: 1 write unit per KiB of item (PutItem from the item sent; UpdateItem and DeleteItem
 *   count 1 unit, their item is not on the wire), twice that inside TransactWriteItems; each
 *   written KiB is also one replicated write unit, as a two-region global table replicates it;
 * - reads: per 4 KiB of the items returned, ½ unit eventually consistent, 1 strongly consistent,
 *   2 inside TransactGetItems; a read that returns nothing still costs its minimum (½ or 1).
 *
 * Item sizes follow DynamoDB's rules (attribute name lengths plus value sizes), approximately for
 * numbers. The estimates are for the cost model, not for billing.
 *
 * In the `mrec` table model each region has its own proxy in front of its own replica, sharing
 * the counters; the proxy tells the replicator (table-replicator) which items each successful
 * write request committed, holding those items' locks while the write is in flight.
 */
import type { Region } from '../../../shared/config/regions'
import { type TableView, Tally, view } from '../counters'
import {
  type ForwardAnswer,
  ForwardError,
  HOP_BY_HOP_REQUEST,
  LeanForwarder,
} from '../lean-forward'
import { LeanHttpServer, type LeanRequest, type LeanResponse } from './lean-http'
import type { ItemKey, TableReplicator } from './table-replicator'
import { keyString } from './table-replicator'

export class TableCounter {
  readonly ops = new Tally()
  readUnits = 0
  writeUnits = 0
  replicatedWriteUnits = 0

  reset(): void {
    this.ops.reset()
    this.readUnits = 0
    this.writeUnits = 0
    this.replicatedWriteUnits = 0
  }

  view(): TableView {
    return {
      ...view(this.ops),
      readUnits: this.readUnits,
      writeUnits: this.writeUnits,
      replicatedWriteUnits: this.replicatedWriteUnits,
    }
  }
}

export interface DynamoProxyOptions {
  /** Port DynamoDB Local listens on. */
  upstreamPort: number
  /** Maps a SigV4 signing region (for example `local-a`) to a local region. */
  regionOf: (awsRegion: string) => Region | undefined
  /** Counters shared with the other region's proxy (own ones when absent). */
  counters?: Record<Region, TableCounter>
  other?: TableCounter
  /** The replica this proxy fronts, and the replicator to tell of its writes (`mrec`). */
  replica?: { region: Region; replicator: TableReplicator }
}

type Item = Record<string, unknown>

export class DynamoProxy {
  readonly http: LeanHttpServer
  readonly counters: Record<Region, TableCounter>
  /** Operations signed for no known region (set-up, health probes of the cloud itself). */
  readonly other: TableCounter
  private readonly upstream: LeanForwarder

  constructor(private readonly opts: DynamoProxyOptions) {
    this.counters = opts.counters ?? { a: new TableCounter(), b: new TableCounter() }
    this.other = opts.other ?? new TableCounter()
    this.upstream = new LeanForwarder('127.0.0.1', opts.upstreamPort)
    this.http = new LeanHttpServer('dynamodb-proxy', (req) => this.forward(req))
  }

  reset(): void {
    for (const c of Object.values(this.counters)) c.reset()
    this.other.reset()
  }

  private counterFor(req: LeanRequest): TableCounter {
    const auth = req.headers.get('authorization') ?? ''
    const scope = /Credential=[^/]+\/\d{8}\/([^/]+)\//.exec(auth)?.[1]
    const region = scope ? this.opts.regionOf(scope) : undefined
    return region ? this.counters[region] : this.other
  }

  private async forward(req: LeanRequest): Promise<LeanResponse> {
    const body = req.body
    const op = (req.headers.get('x-amz-target') ?? '').split('.')[1] ?? ''
    const counter = this.counterFor(req)
    const replica = this.opts.replica
    const written = replica && WRITE_OPS.has(op) ? writtenItems(op, body) : undefined
    const release = written?.length
      ? await replica!.replicator.lockWrite(replica!.region, written.map(keyString))
      : undefined
    let released = false
    const done = (status: number, known = true) => {
      if (released || !release) return
      released = true
      if (status < 300)
        replica!.replicator.committed(
          replica!.region,
          // An unknown outcome: what the replica holds is copied, not what was asked.
          known ? written! : written!.map(({ table, key }) => ({ table, key }))
        )
      release()
    }
    // Hop-by-hop fields stay on this hop (RFC 9110 §7.6.1), so the pooled connection to
    // DynamoDB Local is kept whatever the caller asked of its own; the host and length are the
    // forwarder's to state.
    const headers: Array<[string, string]> = []
    for (const [name, value] of req.headers)
      if (!HOP_BY_HOP_REQUEST.has(name)) headers.push([name, value])
    let answer: ForwardAnswer
    try {
      answer = await this.upstream.send({ method: req.method, path: req.url, headers, body })
    } catch (err) {
      // The write's outcome is unknown when the request went out: replicate the items anyway
      // (a copy of an unchanged item changes nothing).
      done(err instanceof ForwardError && err.beforeAnswer ? 500 : 200, false)
      return {
        status: 502,
        body: JSON.stringify({
          message: `DynamoDB Local unreachable: ${err instanceof Error ? err.message : String(err)}`,
        }),
      }
    }
    done(answer.status)
    if (op) count(counter, op, body, answer.status < 300 ? answer.body : undefined)
    let contentType: string | null = null
    const out: Array<[string, string]> = []
    for (const h of answer.headers) {
      if (h[0] === 'content-type' && contentType === null) contentType = h[1]
      else if (!HOP_BY_HOP_ANSWER.has(h[0])) out.push(h)
    }
    return { status: answer.status, contentType, headers: out, body: answer.body }
  }

  async close(): Promise<void> {
    this.upstream.close()
    await this.http.close()
  }
}

/** Answer fields not passed back: hop-by-hop, or stated by the proxy's own server. */
const HOP_BY_HOP_ANSWER = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'content-length',
])

const WRITE_OPS = new Set([
  'PutItem',
  'UpdateItem',
  'DeleteItem',
  'BatchWriteItem',
  'TransactWriteItems',
])

type Image = NonNullable<ItemKey['image']>

/**
 * The items a write request writes (its condition checks write nothing), each with what the
 * write leaves when the request says it (a put's item; `null` for a delete), so that the
 * replicator copies it without reading it back.
 */
export function writtenItems(op: string, request: Buffer): ItemKey[] {
  const req = parse(request)
  const keyOf = (item: Item | undefined): Record<string, never> => {
    const k: Item = {}
    if (item?.pk) k.pk = item.pk
    if (item?.sk) k.sk = item.sk
    return k as Record<string, never>
  }
  const out: ItemKey[] = []
  const add = (table: unknown, key: Record<string, never>, image?: Image | null) => {
    if (typeof table === 'string' && Object.keys(key).length)
      out.push(image === undefined ? { table, key } : { table, key, image })
  }
  switch (op) {
    case 'PutItem':
      add(req.TableName, keyOf(req.Item as Item), req.Item as Image)
      break
    case 'UpdateItem':
      add(req.TableName, keyOf(req.Key as Item))
      break
    case 'DeleteItem':
      add(req.TableName, keyOf(req.Key as Item), null)
      break
    case 'BatchWriteItem':
      for (const [table, reqs] of Object.entries(
        (req.RequestItems as Record<string, Item[]> | undefined) ?? {}
      ))
        for (const r of reqs) {
          const put = (r.PutRequest as { Item?: Item } | undefined)?.Item
          const del = (r.DeleteRequest as { Key?: Item } | undefined)?.Key
          add(table, keyOf(put ?? del), put ? (put as Image) : null)
        }
      break
    case 'TransactWriteItems':
      for (const t of (req.TransactItems as Item[] | undefined) ?? []) {
        const put = t.Put as { TableName?: string; Item?: Item } | undefined
        const del = t.Delete as { TableName?: string; Key?: Item } | undefined
        const upd = t.Update as { TableName?: string; Key?: Item } | undefined
        if (put) add(put.TableName, keyOf(put.Item), put.Item as Image)
        else if (del) add(del.TableName, keyOf(del.Key), null)
        else if (upd) add(upd.TableName, keyOf(upd.Key))
      }
      break
    default:
      break
  }
  return out
}

const KIB = 1024
const READ_BLOCK = 4 * KIB

function parse(buf: Buffer | undefined): Record<string, unknown> {
  if (!buf || buf.length === 0) return {}
  try {
    const v = JSON.parse(buf.toString('utf8'))
    return typeof v === 'object' && v ? (v as Record<string, unknown>) : {}
  } catch {
    return {}
  }
}

/** Counts one operation and its units; `response` is undefined when it failed. */
export function count(c: TableCounter, op: string, request: Buffer, response?: Buffer): void {
  c.ops.add(op)
  if (!response) return
  // Bodies are parsed only for the operations whose units depend on them.
  let reqCache: Record<string, unknown> | undefined
  let resCache: Record<string, unknown> | undefined
  const body = {
    get req() {
      reqCache ??= parse(request)
      return reqCache
    },
    get res() {
      resCache ??= parse(response)
      return resCache
    },
  }
  const readFactor = () => (body.req.ConsistentRead === true ? 1 : 0.5)
  const write = (size: number, factor = 1) => {
    const units = Math.max(1, Math.ceil(size / KIB))
    c.writeUnits += units * factor
    c.replicatedWriteUnits += units
  }
  const read = (size: number, factor: number) => {
    c.readUnits += Math.max(1, Math.ceil(size / READ_BLOCK)) * factor
  }
  switch (op) {
    case 'PutItem':
      write(itemSize(body.req.Item as Item))
      break
    case 'UpdateItem':
    case 'DeleteItem':
      write(0)
      break
    case 'GetItem':
      read(itemSize(body.res.Item as Item), readFactor())
      break
    case 'Query':
    case 'Scan': {
      const items = (body.res.Items as Item[] | undefined) ?? []
      read(
        items.reduce((n, i) => n + itemSize(i), 0),
        readFactor()
      )
      break
    }
    case 'BatchGetItem': {
      const responses = (body.res.Responses as Record<string, Item[]> | undefined) ?? {}
      for (const items of Object.values(responses)) for (const i of items) read(itemSize(i), 0.5)
      break
    }
    case 'BatchWriteItem': {
      const tables = (body.req.RequestItems as Record<string, Item[]> | undefined) ?? {}
      for (const reqs of Object.values(tables))
        for (const r of reqs) {
          const put = (r.PutRequest as { Item?: Item } | undefined)?.Item
          write(put ? itemSize(put) : 0)
        }
      break
    }
    case 'TransactWriteItems':
      for (const t of (body.req.TransactItems as Item[] | undefined) ?? []) {
        // A condition check is read at transactional price; a write costs twice a plain one.
        if (t.ConditionCheck) c.readUnits += 2
        else write(itemSize((t.Put as { Item?: Item } | undefined)?.Item), 2)
      }
      break
    case 'TransactGetItems':
      for (const r of (body.res.Responses as Array<{ Item?: Item }> | undefined) ?? [])
        read(itemSize(r.Item), 2)
      break
    default:
      break
  }
}

/** An item's size by DynamoDB's rules: attribute names plus their values (numbers approximated). */
export function itemSize(item: Item | undefined): number {
  if (!item) return 0
  let n = 0
  for (const [name, v] of Object.entries(item)) n += Buffer.byteLength(name) + valueSize(v)
  return n
}

function valueSize(v: unknown): number {
  if (!v || typeof v !== 'object') return 0
  const [type, val] = Object.entries(v as Record<string, unknown>)[0] ?? []
  switch (type) {
    case 'S':
      return Buffer.byteLength(String(val))
    case 'N':
      return Math.ceil(String(val).replace(/^-|\./g, '').length / 2) + 1
    case 'B':
      return Buffer.from(String(val), 'base64').length
    case 'BOOL':
    case 'NULL':
      return 1
    case 'SS':
    case 'NS':
    case 'BS':
      return (val as unknown[]).reduce<number>(
        (n, x) => n + valueSize({ [type.slice(0, 1)]: x }),
        0
      )
    case 'L':
      return 3 + (val as unknown[]).reduce<number>((n, x) => n + 1 + valueSize(x), 0)
    case 'M':
      return 3 + itemSize(val as Item) + Object.keys(val as Item).length
    default:
      return 0
  }
}
