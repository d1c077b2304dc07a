/**
 * @module vellum/dynamo-codec
 * Plain JSON values ⇄ DynamoDB AttributeValues (the subset the global table uses: S, N, BOOL,
 * NULL, L, M), and the opaque query cursor built from a LastEvaluatedKey. Numbers must be finite;
 * `undefined` attributes are left out, as JSON.stringify would.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb'
import { StoreError } from './errors'
import type { AttrValue, Item } from './global-table'

export function toAttr(v: unknown, path: string): AttributeValue {
  if (v === null) return { NULL: true }
  switch (typeof v) {
    case 'string':
      return { S: v }
    case 'number':
      if (!Number.isFinite(v)) throw new StoreError(`${path} is not a finite number`, 'table')
      return { N: String(v) }
    case 'boolean':
      return { BOOL: v }
    case 'object': {
      if (Array.isArray(v)) return { L: v.map((x, i) => toAttr(x ?? null, `${path}[${i}]`)) }
      return { M: toAttrMap(v as Record<string, unknown>, path) }
    }
    default:
      throw new StoreError(`${path} has type ${typeof v}, which the table cannot store`, 'table')
  }
}

export function toAttrMap(obj: Record<string, unknown>, path = ''): Record<string, AttributeValue> {
  const out: Record<string, AttributeValue> = {}
  for (const [k, v] of Object.entries(obj)) {
    if (v === undefined) continue
    out[k] = toAttr(v, path ? `${path}.${k}` : k)
  }
  return out
}

export function fromAttr(a: AttributeValue): AttrValue {
  if (a.S !== undefined) return a.S
  if (a.N !== undefined) return Number(a.N)
  if (a.BOOL !== undefined) return a.BOOL
  if (a.NULL !== undefined) return null
  if (a.L !== undefined) return a.L.map(fromAttr)
  if (a.M !== undefined) return fromAttrMap(a.M)
  if (a.SS !== undefined) return [...a.SS]
  if (a.NS !== undefined) return a.NS.map(Number)
  throw new StoreError('the table returned an attribute type Vellum does not use', 'table')
}

export function fromAttrMap(m: Record<string, AttributeValue>): { [k: string]: AttrValue } {
  const out: { [k: string]: AttrValue } = {}
  for (const [k, v] of Object.entries(m)) out[k] = fromAttr(v)
  return out
}

export function toItem(m: Record<string, AttributeValue> | undefined): Item | undefined {
  return m ? (fromAttrMap(m) as Item) : undefined
}

export function encodeCursor(key: Record<string, AttributeValue>): string {
  const plain = fromAttrMap(key)
  return btoa(unescape(encodeURIComponent(JSON.stringify(plain))))
}

export function decodeCursor(cursor: string): Record<string, AttributeValue> {
  try {
    const v = JSON.parse(decodeURIComponent(escape(atob(cursor)))) as unknown
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      const obj = v as Record<string, unknown>
      if (Object.values(obj).every((x) => typeof x === 'string')) return toAttrMap(obj)
    }
  } catch {
    // fall through
  }
  throw new StoreError('query cursor is not one this table issued', 'table')
}
