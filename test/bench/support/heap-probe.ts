/**
 * @module heap-probe
 * What workerd's isolates keep, through miniflare's inspector (the local cloud started with
 * LOCAL_INSPECTOR_PORT) over the Chrome DevTools protocol: each worker's JavaScript heap as V8
 * reports it (`Runtime.getHeapUsage`, no collection), and a heap snapshot
 * (`HeapProfiler.takeHeapSnapshot`, which collects garbage first) summarised by constructor as
 * DevTools' Summary view groups it, so two snapshots taken around some load show by class what
 * the load left behind.
 */
import WebSocket from 'ws'

export interface HeapUsage {
  /** Bytes of live and not yet collected objects. */
  usedSize: number
  /** Bytes V8 has reserved for its heap. */
  totalSize: number
  /** Bytes of native memory workerd attributes to JavaScript objects (when reported). */
  embedderHeapUsedSize?: number
  /** Bytes of ArrayBuffer backing stores (when reported). */
  backingStorageSize?: number
}

/** Objects of one constructor (or one kind, such as `(string)`) in a snapshot. */
export interface ClassTally {
  count: number
  selfBytes: number
}

export type SnapshotSummary = Map<string, ClassTally>

export interface RawSnapshot {
  snapshot: {
    meta: {
      node_fields: string[]
      node_types: unknown[]
      edge_fields: string[]
      edge_types: unknown[]
    }
  }
  nodes: number[]
  edges: number[]
  strings: string[]
}

/** Kinds of node a snapshot groups by kind rather than by name (DevTools does the same). */
const BY_KIND = new Set(['string', 'concatenated string', 'sliced string', 'number', 'array'])

/** Sums a snapshot's nodes by constructor name (objects) or by kind (strings, arrays, code). */
export function summariseSnapshot(raw: RawSnapshot): SnapshotSummary {
  const fields = raw.snapshot.meta.node_fields
  const kinds = raw.snapshot.meta.node_types[0] as string[]
  const width = fields.length
  const typeAt = fields.indexOf('type')
  const nameAt = fields.indexOf('name')
  const sizeAt = fields.indexOf('self_size')
  const out: SnapshotSummary = new Map()
  const nodes = raw.nodes
  for (let i = 0; i < nodes.length; i += width) {
    const kind = kinds[nodes[i + typeAt]!] ?? '?'
    const name = raw.strings[nodes[i + nameAt]!] ?? '?'
    const key =
      kind === 'object' || kind === 'native'
        ? name
        : kind === 'closure'
          ? `(closure) ${name || '(anonymous)'}`
          : BY_KIND.has(kind)
            ? `(${kind === 'concatenated string' || kind === 'sliced string' ? 'string' : kind})`
            : `(${kind}) ${name}`.slice(0, 60)
    const t = out.get(key) ?? { count: 0, selfBytes: 0 }
    t.count++
    t.selfBytes += nodes[i + sizeAt]!
    out.set(key, t)
  }
  return out
}

export function totalBytes(s: SnapshotSummary): number {
  let n = 0
  for (const t of s.values()) n += t.selfBytes
  return n
}

/** The constructors whose objects grew most from `before` to `after`, by bytes. */
export function snapshotGrowth(
  before: SnapshotSummary,
  after: SnapshotSummary,
  n = 12
): Array<{ name: string; count: number; bytes: number }> {
  const rows: Array<{ name: string; count: number; bytes: number }> = []
  for (const [name, a] of after) {
    const b = before.get(name) ?? { count: 0, selfBytes: 0 }
    rows.push({ name, count: a.count - b.count, bytes: a.selfBytes - b.selfBytes })
  }
  return rows.sort((x, y) => y.bytes - x.bytes).slice(0, n)
}

/** One DevTools session per named worker of a workerd (miniflare's inspector port). */
export class HeapProbe {
  private seq = 0
  private constructor(readonly sessions: ReadonlyArray<{ name: string; ws: WebSocket }>) {}

  /**
   * The workers the inspector lists, or only those named: ours by their name (`core:user:<name>`
   * in the list), miniflare's own by the inspector's id (`outbound:<n>`, the interceptor every
   * worker's outbound `fetch` passes through; `cache:<n>`).
   */
  static async connect(port: number, names?: readonly string[]): Promise<HeapProbe> {
    const targets = (await (await fetch(`http://127.0.0.1:${port}/json`)).json()) as Array<{
      id?: string
      webSocketDebuggerUrl: string
    }>
    const sessions: Array<{ name: string; ws: WebSocket }> = []
    for (const t of targets) {
      const id = t.id ?? t.webSocketDebuggerUrl.split('/').pop() ?? ''
      const name = id.startsWith('core:user:') ? id.slice('core:user:'.length) : id
      if (!name || (names && !names.includes(name))) continue
      // A snapshot of a large heap arrives in many chunks; no payload limit.
      const ws = new WebSocket(t.webSocketDebuggerUrl, { maxPayload: 0 })
      await new Promise((r, j) => {
        ws.once('open', r)
        ws.once('error', j)
      })
      sessions.push({ name, ws })
    }
    sessions.sort((a, b) => a.name.localeCompare(b.name))
    return new HeapProbe(sessions)
  }

  private call(
    ws: WebSocket,
    method: string,
    params: object = {},
    onEvent?: (method: string, params: Record<string, unknown>) => void
  ): Promise<Record<string, unknown>> {
    const id = ++this.seq
    return new Promise((resolve, reject) => {
      const onMessage = (d: WebSocket.RawData) => {
        const m = JSON.parse(d.toString()) as {
          id?: number
          method?: string
          params?: Record<string, unknown>
          result?: Record<string, unknown>
          error?: unknown
        }
        if (m.method && onEvent) onEvent(m.method, m.params ?? {})
        if (m.id !== id) return
        ws.off('message', onMessage)
        if (m.error) reject(new Error(`${method}: ${JSON.stringify(m.error)}`))
        else resolve(m.result ?? {})
      }
      ws.on('message', onMessage)
      ws.send(JSON.stringify({ id, method, params }))
    })
  }

  private session(name: string): WebSocket {
    const s = this.sessions.find((x) => x.name === name)
    if (!s) throw new Error(`no inspector session for worker ${name}`)
    return s.ws
  }

  /** `Runtime.getHeapUsage` of every worker (what V8 holds now, garbage included). */
  async usage(): Promise<Map<string, HeapUsage>> {
    const out = new Map<string, HeapUsage>()
    for (const s of this.sessions)
      out.set(s.name, (await this.call(s.ws, 'Runtime.getHeapUsage')) as unknown as HeapUsage)
    return out
  }

  /**
   * A full collection in every worker, by calling `gc()` in it: workerd started with the V8 flag
   * `--expose-gc` (MINIFLARE_WORKERD_V8_FLAGS). workerd never answers the protocol's own
   * `HeapProfiler.collectGarbage`. Returns the workers that have no `gc` (started without it).
   */
  async collectGarbage(): Promise<string[]> {
    const without: string[] = []
    for (const s of this.sessions) {
      // workerd names no default context: evaluate in the one Runtime.enable reports.
      const contexts: number[] = []
      await this.call(s.ws, 'Runtime.enable', {}, (m, p) => {
        if (m === 'Runtime.executionContextCreated') contexts.push((p.context as { id: number }).id)
      })
      await this.call(s.ws, 'Runtime.disable')
      if (process.env.DEBUG_PROBE) console.log(s.name, contexts)
      const r = (await this.call(s.ws, 'Runtime.evaluate', {
        expression: 'typeof gc === "function" ? (gc(), true) : false',
        returnByValue: true,
        ...(contexts.length ? { contextId: contexts[contexts.length - 1] } : {}),
      })) as { result?: { value?: unknown } }
      if (r.result?.value !== true) without.push(s.name)
    }
    return without
  }

  /** A heap snapshot of one worker (V8 collects first), summarised by constructor. */
  async snapshot(name: string): Promise<SnapshotSummary> {
    return summariseSnapshot(await this.rawSnapshot(name))
  }

  /** A heap snapshot of one worker as V8 writes it. */
  async rawSnapshot(name: string): Promise<RawSnapshot> {
    const ws = this.session(name)
    const chunks: string[] = []
    await this.call(ws, 'HeapProfiler.enable')
    await this.call(ws, 'HeapProfiler.takeHeapSnapshot', { reportProgress: false }, (m, p) => {
      if (m === 'HeapProfiler.addHeapSnapshotChunk') chunks.push(p.chunk as string)
    })
    return JSON.parse(chunks.join('')) as RawSnapshot
  }

  close(): void {
    for (const s of this.sessions) s.ws.close()
  }
}

/**
 * Where the objects `wanted` picks are held: for each, the chain of its first strong retainers
 * (`depth` steps up, each step `<holder>.<edge>`), tallied by chain, largest first.
 */
export function retainerChains(
  raw: RawSnapshot,
  wanted: (kind: string, name: string, selfBytes: number) => boolean,
  depth = 6,
  n = 10
): Array<{ chain: string; count: number; bytes: number }> {
  const meta = raw.snapshot.meta
  const nw = meta.node_fields.length
  const ew = meta.edge_fields.length
  const kinds = meta.node_types[0] as string[]
  const edgeKinds = meta.edge_types[0] as string[]
  const [typeAt, nameAt, sizeAt, edgesAt] = ['type', 'name', 'self_size', 'edge_count'].map((f) =>
    meta.node_fields.indexOf(f)
  ) as [number, number, number, number]
  const [eTypeAt, eNameAt, eToAt] = ['type', 'name_or_index', 'to_node'].map((f) =>
    meta.edge_fields.indexOf(f)
  ) as [number, number, number]
  const nodes = raw.nodes
  const edges = raw.edges
  const count = nodes.length / nw
  // First strong retainer of every node: (holder node ordinal, edge label).
  const holder = new Int32Array(count).fill(-1)
  const label: string[] = new Array(count)
  let e = 0
  for (let i = 0; i < count; i++) {
    const m = nodes[i * nw + edgesAt]!
    for (let k = 0; k < m; k++, e += ew) {
      const ek = edgeKinds[edges[e + eTypeAt]!]
      if (ek === 'weak' || ek === 'shortcut') continue
      const to = edges[e + eToAt]! / nw
      if (holder[to] !== -1) continue
      holder[to] = i
      const nameOrIndex = edges[e + eNameAt]!
      // Indices and numbered internal slots as `[]`, so that chains through arrays tally.
      label[to] =
        ek === 'element' || ek === 'hidden'
          ? '[]'
          : (raw.strings[nameOrIndex] ?? '?').replace(/^\d+$/, '[]')
    }
  }
  const nodeName = (i: number) => {
    const kind = kinds[nodes[i * nw + typeAt]!] ?? '?'
    const name = raw.strings[nodes[i * nw + nameAt]!] ?? '?'
    return kind === 'object' || kind === 'closure' ? name.slice(0, 40) : `(${kind})`
  }
  const out = new Map<string, { count: number; bytes: number }>()
  for (let i = 0; i < count; i++) {
    const kind = kinds[nodes[i * nw + typeAt]!] ?? '?'
    const self = nodes[i * nw + sizeAt]!
    if (!wanted(kind, raw.strings[nodes[i * nw + nameAt]!] ?? '', self)) continue
    const steps: string[] = []
    let at = i
    for (let d = 0; d < depth && holder[at] !== -1; d++) {
      steps.push(`${nodeName(holder[at]!)}.${label[at]}`)
      at = holder[at]!
    }
    const chain = steps.join(' ← ')
    const t = out.get(chain) ?? { count: 0, bytes: 0 }
    t.count++
    t.bytes += self
    out.set(chain, t)
  }
  return [...out.entries()]
    .map(([chain, t]) => ({ chain, ...t }))
    .sort((a, b) => b.bytes - a.bytes)
    .slice(0, n)
}
