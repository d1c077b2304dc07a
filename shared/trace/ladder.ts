/**
 * @module trace/ladder
 * A call's records laid out as a SIP ladder diagram (the ops page and `edgewater trace` draw it):
 * one column per party and component (the calling client, the edge, Sprout of each region,
 * application servers, Dime/Homer/Ralf, the called client) and one arrow per recorded message,
 * in time order, with the time since the previous arrow. Pure.
 */
import type { TraceRecord } from './trace-record'

export interface LadderColumn {
  id: string
  label: string
}

export interface LadderArrow {
  /** Index into the records given (the message to show when the arrow is chosen). */
  record: number
  from: number
  to: number
  label: string
  at: number
  /** Milliseconds since the previous arrow (0 for the first). */
  sincePrevious: number
  failure: boolean
}

export interface Ladder {
  columns: LadderColumn[]
  arrows: LadderArrow[]
}

/** Column rank: the caller first, then edge, Sprout, servers and stores, callees last. */
function rank(party: string, caller: string | undefined): number {
  if (party === caller) return 0
  if (party === 'edge') return 1
  if (party.startsWith('sprout')) return 2
  if (party.startsWith('as:')) return 3
  if (/^(dime|homer|ralf|ellis)/.test(party)) return 4
  return 5
}

export function partyLabel(party: string): string {
  if (party.startsWith('ua:')) return `UA ${party.slice(3)}`
  if (party.startsWith('as:')) return `AS ${party.slice(3)}`
  const m = /^(sprout|dime|homer|ralf|ellis)-([a-z])$/.exec(party)
  if (m) return `${m[1]![0]!.toUpperCase()}${m[1]!.slice(1)} ${m[2]}`
  return party === 'edge' ? 'Edge' : party
}

/** The label of an arrow: the method, or the status and reason phrase. */
function arrowLabel(r: TraceRecord): string {
  if (r.kind === 'http') return r.summary
  if (r.status !== undefined) return r.summary.replace(/^SIP\/2\.0 /, '')
  return r.method ?? r.summary.split(' ')[0] ?? '?'
}

export function layoutLadder(records: readonly TraceRecord[]): Ladder {
  const order = records.map((r, i) => ({ r, i })).sort((x, y) => x.r.at - y.r.at || x.i - y.i)
  const caller = order.find((o) => o.r.from.startsWith('ua:'))?.r.from
  const seen: string[] = []
  for (const { r } of order) for (const p of [r.from, r.to]) if (!seen.includes(p)) seen.push(p)
  const parties = seen
    .map((p, i) => ({ p, i }))
    .sort((a, b) => rank(a.p, caller) - rank(b.p, caller) || a.i - b.i)
    .map((x) => x.p)
  const col = new Map(parties.map((p, i) => [p, i]))
  let prev: number | undefined
  const arrows = order.map(({ r, i }) => {
    const a: LadderArrow = {
      record: i,
      from: col.get(r.from)!,
      to: col.get(r.to)!,
      label: arrowLabel(r),
      at: r.at,
      sincePrevious: prev === undefined ? 0 : r.at - prev,
      failure: r.status !== undefined && r.status >= 400,
    }
    prev = r.at
    return a
  })
  return { columns: parties.map((id) => ({ id, label: partyLabel(id) })), arrows }
}
