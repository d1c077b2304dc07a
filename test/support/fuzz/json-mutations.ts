/** Mutations of a JSON body: a node retyped, renumbered, restrung, removed, or an extra key. */
import fc from 'fast-check'
import { edgeNumber, nastyString, wrongValue } from './values'

type JsonPath = Array<string | number>

/** Paths to the nodes of `v`, down to a depth of 16 (deep values are mutated as a whole). */
function jsonPaths(v: unknown, at: JsonPath = [], out: JsonPath[] = []): JsonPath[] {
  out.push(at)
  if (at.length >= 16) return out
  if (Array.isArray(v)) {
    for (const [i, x] of v.entries()) jsonPaths(x, [...at, i], out)
  } else if (v && typeof v === 'object')
    for (const [k, x] of Object.entries(v)) jsonPaths(x, [...at, k], out)
  return out
}

function clone<T>(v: T): T {
  return v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T)
}

/** Returns a copy of `root` with the node at `path` replaced (or deleted when `to` is absent). */
function setAt(root: unknown, path: JsonPath, to: { value?: unknown; remove?: boolean }): unknown {
  if (path.length === 0) return to.remove ? undefined : to.value
  const copy = clone(root) as Record<string | number, unknown>
  let node = copy
  for (const k of path.slice(0, -1)) node = node[k] as Record<string | number, unknown>
  const last = path[path.length - 1]!
  if (to.remove) {
    if (Array.isArray(node)) node.splice(last as number, 1)
    else delete node[last]
  } else node[last] = to.value
  return copy
}

export type JsonOp =
  | { op: 'retype'; at: number; value: unknown }
  | { op: 'renumber'; at: number; value: number }
  | { op: 'restring'; at: number; value: string }
  | { op: 'remove'; at: number }
  | { op: 'extra'; at: number; key: string; value: unknown }

export const jsonOp: fc.Arbitrary<JsonOp> = fc.oneof(
  fc.record({ op: fc.constant('retype' as const), at: fc.nat(), value: wrongValue }),
  fc.record({ op: fc.constant('remove' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('renumber' as const), at: fc.nat(), value: edgeNumber }),
  fc.record({ op: fc.constant('restring' as const), at: fc.nat(), value: nastyString }),
  fc.record({
    op: fc.constant('extra' as const),
    at: fc.nat(),
    key: fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('__proto__', 'constructor')),
    value: wrongValue,
  })
)

function valueAt(root: unknown, path: JsonPath): unknown {
  let n = root
  for (const k of path) n = (n as Record<string | number, unknown>)[k]
  return n
}

export function applyJsonOp(v: unknown, o: JsonOp): { value: unknown; label: string } {
  const paths = jsonPaths(v)
  const path = paths[o.at % paths.length]!
  const where = path.length ? path.join('.') : '(root)'
  if (o.op === 'retype')
    return { value: setAt(v, path, { value: o.value }), label: `retype ${where}` }
  if (o.op === 'renumber') {
    const numeric = paths.filter((p) => typeof valueAt(v, p) === 'number')
    if (!numeric.length) return { value: v, label: 'renumber (no number)' }
    const p = numeric[o.at % numeric.length]!
    return { value: setAt(v, p, { value: o.value }), label: `renumber ${p.join('.')} = ${o.value}` }
  }
  if (o.op === 'restring') {
    const strings = paths.filter((p) => typeof valueAt(v, p) === 'string')
    if (!strings.length) return { value: v, label: 'restring (no string)' }
    const p = strings[o.at % strings.length]!
    return {
      value: setAt(v, p, { value: o.value }),
      label: `restring ${p.join('.')} = ${JSON.stringify(o.value.slice(0, 20))} (${o.value.length})`,
    }
  }
  if (o.op === 'remove')
    return { value: setAt(v, path, { remove: true }), label: `remove ${where}` }
  // extra: add a key to the nearest object at or above the path
  const objPaths = paths.filter((p) => {
    const n = valueAt(v, p)
    return n !== null && typeof n === 'object' && !Array.isArray(n)
  })
  if (!objPaths.length) return { value: v, label: 'extra (no object)' }
  const p = objPaths[o.at % objPaths.length]!
  const copy = clone(v)
  let n = copy as Record<string, unknown>
  for (const k of p) n = n[k as string] as Record<string, unknown>
  Object.defineProperty(n, o.key, { value: o.value, enumerable: true, configurable: true })
  return { value: copy, label: `extra ${p.join('.') || '(root)'}.${o.key.slice(0, 20)}` }
}
