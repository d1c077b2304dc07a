/**
 * @module vellum/trace-store
 * Trace records in the global table (docs/operations.md#traces, docs/global-table.md), written
 * by every tracing hop, read by the ops API:
 *
 * - a **batch item** per call per write: `pk = TRACE#<Call-ID>`, `sk = <at, 15 digits>#<party>#<span>`,
 *   `records` (the batch, JSON), `traceId`, `ttl`. A hop's write is one `PutItem` (one
 *   `TransactWriteItems` when a batch holds several calls), never a read;
 * - the **IMPU/time index** on the same item: `gsi1pk = TRACEIMPU#<caller>` and
 *   `gsi2pk = TRACEIMPU#<callee>` (the From and To identities), `gsi1sk = gsi2sk = <at>#<Call-ID>`,
 *   so "calls of an IMPU since a time" is one range query per index and costs no write of its own;
 * - the **per-IMPU flags**: `pk = TRACEFLAG`, `sk = <impu>`, `until` (epoch ms), `ttl`.
 *
 * DynamoDB deletes items after their `ttl`; reads drop expired ones (global-table.ts).
 */
import type { Clock } from '../config/clock'
import { systemClock } from '../config/clock'
import { type TraceRecord, traceRecordSchema } from '../trace/trace-record'
import type { GlobalTable, Item, TransactOp } from './global-table'
import { ttlFromNow } from './global-table'

/** One call an IMPU search finds. */
export interface TraceSummary {
  callId: string
  traceId: string
  /** Earliest record time the search saw. */
  at: number
  /** The IMPUs the call's records name. */
  impus: string[]
}

export interface TraceFlag {
  impu: string
  /** Epoch ms until which the IMPU is on full tracing. */
  until: number
}

export interface TraceStore {
  /** Writes one hop's records in one store operation; nothing for an empty batch. */
  write(records: readonly TraceRecord[], ttlSeconds: number): Promise<void>
  /** Every record of a call, in time order. */
  byCallId(callId: string): Promise<TraceRecord[]>
  /** Calls naming `impu` (as caller or callee) with a record in [since, until], newest first. */
  byImpu(impu: string, since: number, until: number, limit?: number): Promise<TraceSummary[]>
  setFlag(impu: string, until: number): Promise<void>
  clearFlag(impu: string): Promise<void>
  /** The live flags (one query). */
  flags(): Promise<TraceFlag[]>
}

const AT_DIGITS = 15
const pad = (n: number) => String(Math.max(0, Math.floor(n))).padStart(AT_DIGITS, '0')
const FLAG_PK = 'TRACEFLAG'
export const traceCallPk = (callId: string) => `TRACE#${callId}`
export const traceImpuPk = (impu: string) => `TRACEIMPU#${impu}`
/** DynamoDB's item limit is 400 KB; a batch keeps well under it. */
const MAX_BATCH_CHARS = 300_000
const PAGE = 100
const MAX_PAGES = 20

/** The From and To identities of a batch (the first request or response that names them). */
function callerAndCallee(records: readonly TraceRecord[]): [string?, string?] {
  const sip = records.find((r) => r.kind === 'sip' && r.impus.length > 0)
  return [sip?.impus[0], sip?.impus[1]]
}

/** Keeps a batch under the item limit by cutting the longest messages first. */
function fitItem(records: readonly TraceRecord[]): TraceRecord[] {
  const out = records.map((r) => ({ ...r }))
  let size = JSON.stringify(out).length
  while (size > MAX_BATCH_CHARS) {
    const longest = out.reduce((a, b) => (b.message.length > a.message.length ? b : a))
    const cut = Math.max(256, Math.floor(longest.message.length / 2))
    size -= longest.message.length - cut
    longest.message = `${longest.message.slice(0, cut)}\r\n[cut to fit the trace item]`
  }
  return out
}

export class TableTraceStore implements TraceStore {
  constructor(
    private readonly table: GlobalTable,
    private readonly clock: Clock = systemClock
  ) {}

  private itemOf(callId: string, records: TraceRecord[], ttlSeconds: number): Item {
    const first = records[0]!
    const at = pad(first.at)
    const sk = `${at}#${first.component}-${first.region}#${first.spanId}#${records.length}`
    const [caller, callee] = callerAndCallee(records)
    const item: Item = {
      pk: traceCallPk(callId),
      sk,
      traceId: first.traceId,
      records: JSON.stringify(fitItem(records)),
      ttl: ttlFromNow(this.clock.now(), ttlSeconds),
    }
    if (caller) Object.assign(item, { gsi1pk: traceImpuPk(caller), gsi1sk: `${at}#${callId}` })
    if (callee && callee !== caller)
      Object.assign(item, { gsi2pk: traceImpuPk(callee), gsi2sk: `${at}#${callId}` })
    return item
  }

  async write(records: readonly TraceRecord[], ttlSeconds: number): Promise<void> {
    if (records.length === 0) return
    const byCall = new Map<string, TraceRecord[]>()
    for (const r of records) {
      const list = byCall.get(r.callId) ?? []
      list.push(r)
      byCall.set(r.callId, list)
    }
    const items = [...byCall].map(([callId, rs]) => this.itemOf(callId, rs, ttlSeconds))
    if (items.length === 1) await this.table.put(items[0]!)
    else {
      const ops: TransactOp[] = items.slice(0, 100).map((put) => ({ put }))
      await this.table.transact(ops)
    }
  }

  async byCallId(callId: string): Promise<TraceRecord[]> {
    const out: TraceRecord[] = []
    let cursor: string | undefined
    for (let page = 0; page < MAX_PAGES; page++) {
      const p = await this.table.query({
        pk: traceCallPk(callId),
        limit: PAGE,
        ...(cursor ? { cursor } : {}),
      })
      for (const item of p.items) out.push(...parseRecords(item))
      cursor = p.cursor
      if (!cursor) break
    }
    return out.sort((a, b) => a.at - b.at)
  }

  async byImpu(impu: string, since: number, until: number, limit = 50): Promise<TraceSummary[]> {
    const calls = new Map<string, TraceSummary>()
    const range = { between: [`${pad(since)}#`, `${pad(until)}#\uffff`] as [string, string] }
    for (const index of ['gsi1', 'gsi2'] as const) {
      const p = await this.table.query({
        pk: traceImpuPk(impu),
        index,
        sk: range,
        reverse: true,
        limit: PAGE * 5,
      })
      for (const item of p.items) {
        const callId = String(item.pk).slice('TRACE#'.length)
        const records = parseRecords(item)
        const at = Math.min(...records.map((r) => r.at))
        const known = calls.get(callId)
        const impus = [...new Set([...(known?.impus ?? []), ...records.flatMap((r) => r.impus)])]
        calls.set(callId, {
          callId,
          traceId: String(item.traceId ?? records[0]?.traceId ?? ''),
          at: known ? Math.min(known.at, at) : at,
          impus,
        })
      }
    }
    return [...calls.values()].sort((a, b) => b.at - a.at).slice(0, limit)
  }

  async setFlag(impu: string, until: number): Promise<void> {
    const seconds = Math.max(60, Math.ceil((until - this.clock.now()) / 1000))
    await this.table.put({
      pk: FLAG_PK,
      sk: impu,
      until,
      ttl: ttlFromNow(this.clock.now(), seconds),
    })
  }

  async clearFlag(impu: string): Promise<void> {
    await this.table.delete({ pk: FLAG_PK, sk: impu })
  }

  async flags(): Promise<TraceFlag[]> {
    const p = await this.table.query({ pk: FLAG_PK, limit: 1000 })
    const now = this.clock.now()
    return p.items
      .map((i) => ({ impu: i.sk, until: Number(i.until) }))
      .filter((f) => Number.isFinite(f.until) && f.until > now)
  }
}

/** A batch item's records; an item that does not hold valid records yields none. */
function parseRecords(item: Item): TraceRecord[] {
  try {
    const raw = JSON.parse(String(item.records ?? '[]')) as unknown
    if (!Array.isArray(raw)) return []
    return raw.flatMap((r) => {
      const ok = traceRecordSchema.safeParse(r)
      return ok.success ? [ok.data] : []
    })
  } catch {
    return []
  }
}
