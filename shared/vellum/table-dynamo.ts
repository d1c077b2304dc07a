/**
 * @module vellum/table-dynamo
 * The production {@link GlobalTable} on `@aws-sdk/client-dynamodb` (one table, two GSIs, TTL
 * attribute `ttl`; table-schema.ts). Conditions become ConditionExpressions that also treat an
 * item whose `ttl` has passed as absent, because DynamoDB removes expired items only lazily;
 * reads filter such items. Every call is counted in the request's {@link RoundTrips}. SDK
 * exceptions are mapped onto the store vocabulary (errors.ts) in {@link mapDynamoError}.
 */
import {
  type AttributeValue,
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  type TransactWriteItem,
  TransactWriteItemsCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb'
import type { Clock } from '../config/clock'
import { decodeCursor, encodeCursor, toAttr, toAttrMap, toItem } from './dynamo-codec'
import { mapDynamoError } from './dynamo-errors'
import { ConditionFailed, StoreError } from './errors'
import {
  type Condition,
  type GlobalTable,
  type Item,
  isExpired,
  nextVersion,
  type QueryOptions,
  type QueryPage,
  type SkRange,
  type TableKey,
  type TransactOp,
  TTL_ATTRIBUTE,
  type UpdateChanges,
  VERSION_ATTRIBUTE,
  type WriteOptions,
} from './global-table'
import { attrsFor, opKey, validateChanges } from './memory-table'
import type { RoundTrips } from './round-trips'

/** Collects expression attribute names and values while an expression is built. */
class Expr {
  readonly names: Record<string, string> = {}
  readonly values: Record<string, AttributeValue> = {}
  private n = 0

  name(attr: string): string {
    const existing = Object.entries(this.names).find(([, v]) => v === attr)
    if (existing) return existing[0]
    const k = `#n${this.n++}`
    this.names[k] = attr
    return k
  }

  value(v: unknown): string {
    const k = `:v${this.n++}`
    this.values[k] = toAttr(v, 'expression value')
    return k
  }

  params(): {
    ExpressionAttributeNames?: Record<string, string>
    ExpressionAttributeValues?: Record<string, AttributeValue>
  } {
    return {
      ...(Object.keys(this.names).length ? { ExpressionAttributeNames: this.names } : {}),
      ...(Object.keys(this.values).length ? { ExpressionAttributeValues: this.values } : {}),
    }
  }
}

type Mode = 'replace' | 'merge'

/**
 * The ConditionExpression for a condition. `replace` (put, delete, check) may overwrite an
 * expired item; `merge` (update) must not merge into one, so `ifNotExists`/none refuse an
 * expired item and the caller purges it first.
 */
function conditionExpr(
  e: Expr,
  cond: Condition | undefined,
  nowS: number,
  mode: Mode
): string | undefined {
  const live = () => {
    const ttl = e.name(TTL_ATTRIBUTE)
    return `(attribute_not_exists(${ttl}) OR ${ttl} > ${e.value(nowS)})`
  }
  if (!cond) return mode === 'merge' ? `(attribute_not_exists(pk) OR ${live()})` : undefined
  if ('ifNotExists' in cond)
    return mode === 'merge'
      ? 'attribute_not_exists(pk)'
      : `(attribute_not_exists(pk) OR ${e.name(TTL_ATTRIBUTE)} <= ${e.value(nowS)})`
  if ('ifExists' in cond) return `(attribute_exists(pk) AND ${live()})`
  return `(${e.name(VERSION_ATTRIBUTE)} = ${e.value(cond.ifVersion)} AND ${live()})`
}

function updateExpr(e: Expr, changes: UpdateChanges, version: number): string {
  const set = Object.entries(changes.set ?? {})
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${e.name(k)} = ${e.value(v)}`)
  set.push(`${e.name(VERSION_ATTRIBUTE)} = ${e.value(version)}`)
  const parts = [`SET ${set.join(', ')}`]
  if (changes.remove?.length)
    parts.push(`REMOVE ${changes.remove.map((k) => e.name(k)).join(', ')}`)
  const add = Object.entries(changes.add ?? {}).map(([k, n]) => `${e.name(k)} ${e.value(n)}`)
  if (add.length) parts.push(`ADD ${add.join(', ')}`)
  return parts.join(' ')
}

function skExpr(e: Expr, attr: string, range: SkRange): string {
  const a = e.name(attr)
  if ('prefix' in range) return `begins_with(${a}, ${e.value(range.prefix)})`
  if ('between' in range)
    return `${a} BETWEEN ${e.value(range.between[0])} AND ${e.value(range.between[1])}`
  if ('gte' in range) return `${a} >= ${e.value(range.gte)}`
  if ('lte' in range) return `${a} <= ${e.value(range.lte)}`
  if ('gt' in range) return `${a} > ${e.value(range.gt)}`
  if ('lt' in range) return `${a} < ${e.value(range.lt)}`
  return `${a} = ${e.value(range.eq)}`
}

const keyAttrs = (k: TableKey) => ({ pk: { S: k.pk }, sk: { S: k.sk } })
const previousVersion = (c: Condition | undefined) =>
  c && 'ifVersion' in c ? c.ifVersion : undefined

export class DynamoGlobalTable implements GlobalTable {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    private readonly clock: Clock,
    private readonly rt: RoundTrips
  ) {}

  private nowS(): number {
    return Math.floor(this.clock.now() / 1000)
  }

  private async send<T>(op: string, key: TableKey | undefined, fn: () => Promise<T>): Promise<T> {
    try {
      return await this.rt.track('table', op, fn)
    } catch (err) {
      throw mapDynamoError(err, op, key, this.clock.now())
    }
  }

  async get(key: TableKey, opts: { consistent?: boolean } = {}): Promise<Item | undefined> {
    const out = await this.send('get', key, () =>
      this.client.send(
        new GetItemCommand({
          TableName: this.tableName,
          Key: keyAttrs(key),
          ConsistentRead: opts.consistent ?? false,
        })
      )
    )
    const item = toItem(out.Item)
    return item && !isExpired(item, this.clock.now()) ? item : undefined
  }

  async put(item: Item, opts: WriteOptions = {}): Promise<Item> {
    if (typeof item.pk !== 'string' || typeof item.sk !== 'string')
      throw new StoreError('an item needs string pk and sk', 'table')
    const e = new Expr()
    const cond = conditionExpr(e, opts.condition, this.nowS(), 'replace')
    const stored: Item = {
      ...item,
      [VERSION_ATTRIBUTE]: nextVersion(this.clock.now(), previousVersion(opts.condition)),
    }
    await this.send('put', item, () =>
      this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: toAttrMap(stored),
          ...(cond ? { ConditionExpression: cond, ...e.params() } : {}),
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        })
      )
    )
    return stored
  }

  async delete(key: TableKey, opts: WriteOptions = {}): Promise<Item | undefined> {
    const e = new Expr()
    const cond = conditionExpr(e, opts.condition, this.nowS(), 'replace')
    const out = await this.send('delete', key, () =>
      this.client.send(
        new DeleteItemCommand({
          TableName: this.tableName,
          Key: keyAttrs(key),
          ReturnValues: 'ALL_OLD',
          ...(cond ? { ConditionExpression: cond, ...e.params() } : {}),
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        })
      )
    )
    const old = toItem(out.Attributes)
    return old && !isExpired(old, this.clock.now()) ? old : undefined
  }

  async update(key: TableKey, changes: UpdateChanges, opts: WriteOptions = {}): Promise<Item> {
    validateChanges(key, changes)
    try {
      return await this.updateOnce(key, changes, opts.condition)
    } catch (err) {
      // An expired item still physically present must not have the change merged into it:
      // purge it (only if still expired) and apply the change to a fresh item.
      // (A failed condition with no live `current` item means an expired one is in the way.)
      const mayPurge = !opts.condition || 'ifNotExists' in opts.condition
      if (!(err instanceof ConditionFailed) || err.details.current || !mayPurge) throw err
      await this.purgeExpired(key)
      return this.updateOnce(key, changes, opts.condition)
    }
  }

  private async updateOnce(
    key: TableKey,
    changes: UpdateChanges,
    condition: Condition | undefined
  ): Promise<Item> {
    const e = new Expr()
    const version = nextVersion(this.clock.now(), previousVersion(condition))
    const update = updateExpr(e, changes, version)
    const cond = conditionExpr(e, condition, this.nowS(), 'merge')
    const out = await this.send('update', key, () =>
      this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: keyAttrs(key),
          UpdateExpression: update,
          ...(cond ? { ConditionExpression: cond } : {}),
          ...e.params(),
          ReturnValues: 'ALL_NEW',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        })
      )
    )
    return toItem(out.Attributes) ?? { pk: key.pk, sk: key.sk, [VERSION_ATTRIBUTE]: version }
  }

  private async purgeExpired(key: TableKey): Promise<void> {
    const e = new Expr()
    const cond = `${e.name(TTL_ATTRIBUTE)} <= ${e.value(this.nowS())}`
    try {
      await this.send('purge-expired', key, () =>
        this.client.send(
          new DeleteItemCommand({
            TableName: this.tableName,
            Key: keyAttrs(key),
            ConditionExpression: cond,
            ...e.params(),
          })
        )
      )
    } catch (err) {
      if (!(err instanceof ConditionFailed)) throw err // someone revived it meanwhile: fine
    }
  }

  async query(opts: QueryOptions): Promise<QueryPage> {
    const [pkAttr, skAttr] = attrsFor(opts.index)
    const e = new Expr()
    let keyCond = `${e.name(pkAttr)} = ${e.value(opts.pk)}`
    if (opts.sk) keyCond += ` AND ${skExpr(e, skAttr, opts.sk)}`
    const out = await this.send('query', undefined, () =>
      this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          ...(opts.index ? { IndexName: opts.index } : {}),
          KeyConditionExpression: keyCond,
          ...e.params(),
          Limit: opts.limit ?? 100,
          ScanIndexForward: !opts.reverse,
          ...(opts.cursor ? { ExclusiveStartKey: decodeCursor(opts.cursor) } : {}),
          ...(opts.consistent && !opts.index ? { ConsistentRead: true } : {}),
        })
      )
    )
    const now = this.clock.now()
    const items = (out.Items ?? []).map((m) => toItem(m)!).filter((it) => !isExpired(it, now))
    return out.LastEvaluatedKey ? { items, cursor: encodeCursor(out.LastEvaluatedKey) } : { items }
  }

  async transact(ops: TransactOp[]): Promise<void> {
    if (ops.length === 0) return
    if (ops.length > 100)
      throw new StoreError('a transaction holds at most 100 operations', 'table')
    const nowS = this.nowS()
    const items: TransactWriteItem[] = ops.map((op) => {
      const e = new Expr()
      const base = {
        TableName: this.tableName,
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const,
      }
      if ('put' in op) {
        const cond = conditionExpr(e, op.condition, nowS, 'replace')
        const stored = {
          ...op.put,
          [VERSION_ATTRIBUTE]: nextVersion(this.clock.now(), previousVersion(op.condition)),
        }
        return {
          Put: {
            ...base,
            Item: toAttrMap(stored),
            ...(cond ? { ConditionExpression: cond, ...e.params() } : {}),
          },
        }
      }
      if ('delete' in op) {
        const cond = conditionExpr(e, op.condition, nowS, 'replace')
        return {
          Delete: {
            ...base,
            Key: keyAttrs(op.delete),
            ...(cond ? { ConditionExpression: cond, ...e.params() } : {}),
          },
        }
      }
      if ('update' in op) {
        validateChanges(op.update, op.changes)
        const update = updateExpr(
          e,
          op.changes,
          nextVersion(this.clock.now(), previousVersion(op.condition))
        )
        const cond = conditionExpr(e, op.condition, nowS, 'merge')
        return {
          Update: {
            ...base,
            Key: keyAttrs(op.update),
            UpdateExpression: update,
            ...(cond ? { ConditionExpression: cond } : {}),
            ...e.params(),
          },
        }
      }
      const cond =
        conditionExpr(e, op.condition, nowS, 'replace') ??
        'attribute_exists(pk) OR attribute_not_exists(pk)'
      return {
        ConditionCheck: {
          ...base,
          Key: keyAttrs(op.conditionCheck),
          ConditionExpression: cond,
          ...e.params(),
        },
      }
    })
    const keys = ops.map(opKey)
    await this.send('transact', keys[0], () =>
      this.client.send(new TransactWriteItemsCommand({ TransactItems: items }))
    ).catch((err: unknown) => {
      if (err instanceof ConditionFailed && err.details.index !== undefined) {
        const k = keys[err.details.index]
        throw new ConditionFailed(
          `transaction operation ${err.details.index} (${k?.pk}/${k?.sk}) failed its condition`,
          'table',
          err.details,
          { cause: err.cause }
        )
      }
      throw err
    })
  }
}
