/**
 * @module vellum/dynamo-errors
 * DynamoDB SDK exceptions → the store vocabulary: a failed condition (single item or inside a
 * transaction) is `ConditionFailed` carrying the current live item and the failing index; a
 * throttle, server fault, timeout or connection failure is `Unavailable`; anything else (a
 * validation error is a bug in the caller) stays a plain `StoreError` with the SDK's message.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb'
import { toItem } from './dynamo-codec'
import { ConditionFailed, StoreError, Unavailable } from './errors'
import { isExpired, type TableKey } from './global-table'

interface SdkError {
  name?: string
  message?: string
  Item?: Record<string, AttributeValue>
  CancellationReasons?: { Code?: string; Item?: Record<string, AttributeValue> }[]
  $metadata?: { httpStatusCode?: number }
  $fault?: 'client' | 'server'
}

const UNAVAILABLE = new Set([
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'ThrottlingException',
  'InternalServerError',
  'ServiceUnavailable',
  'TimeoutError',
  'AbortError',
])

export function mapDynamoError(
  err: unknown,
  op: string,
  key: TableKey | undefined,
  nowMs: number
): StoreError {
  if (err instanceof StoreError) return err
  const e = (err ?? {}) as SdkError
  const where = key ? ` on ${key.pk}/${key.sk}` : ''
  const live = (m: Record<string, AttributeValue> | undefined) => {
    const it = toItem(m)
    return it && !isExpired(it, nowMs) ? it : undefined
  }
  if (e.name === 'ConditionalCheckFailedException') {
    return new ConditionFailed(
      `${op}${where}: condition failed`,
      'table',
      { current: live(e.Item) },
      { cause: err }
    )
  }
  if (e.name === 'TransactionCanceledException') {
    const reasons = e.CancellationReasons ?? []
    const index = reasons.findIndex((r) => r.Code === 'ConditionalCheckFailed')
    if (index >= 0) {
      return new ConditionFailed(
        `${op}: operation ${index} failed its condition`,
        'table',
        { index, current: live(reasons[index]?.Item) },
        { cause: err }
      )
    }
    const conflict = reasons.findIndex((r) => r.Code === 'TransactionConflict')
    if (conflict >= 0) {
      // Another transaction held one of the items: the caller re-reads and retries, as after
      // a lost condition.
      return new ConditionFailed(
        `${op}: transaction conflict on operation ${conflict}`,
        'table',
        { index: conflict },
        { cause: err }
      )
    }
    if (
      reasons.some(
        (r) => r.Code === 'ThrottlingError' || r.Code === 'ProvisionedThroughputExceeded'
      )
    )
      return new Unavailable(`${op}: throttled`, 'table', { cause: err })
  }
  if (e.name === 'TransactionInProgressException' || e.name === 'TransactionConflictException')
    return new ConditionFailed(`${op}${where}: transaction conflict`, 'table', {}, { cause: err })
  const status = e.$metadata?.httpStatusCode
  if (
    UNAVAILABLE.has(e.name ?? '') ||
    e.$fault === 'server' ||
    (status !== undefined && status >= 500) ||
    status === undefined
  ) {
    return new Unavailable(
      `${op}${where}: global table unavailable (${e.name ?? 'error'}: ${e.message ?? ''})`,
      'table',
      { cause: err }
    )
  }
  return new StoreError(
    `${op}${where}: ${e.name ?? 'error'}: ${e.message ?? String(err)}`,
    'table',
    { cause: err }
  )
}
