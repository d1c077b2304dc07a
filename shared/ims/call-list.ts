/**
 * @module ims/call-list
 * Memento's network call list (clearwater-interfaces §8): the fragments the call-list
 * application server writes for one user and one call, how they merge into calls, and the
 * `call-list.xml` document Memento serves. Pure: no I/O, no clock.
 *
 * A call leaves up to two fragments per user:
 * - `BEGIN` when the call is answered (2xx to the INVITE): parties, direction, start and answer
 *   times; then `END` at the BYE with the end time;
 * - `REJECTED` when the INVITE fails (any final ≥ 300, a CANCEL's 487 included): parties,
 *   direction and start time, not answered.
 *
 * A list is `<call-list><calls><call>…</call>…</calls></call-list>`, newest call first; each call
 * is `to`/`from` (`URI` and `name`), `outgoing` and `answered` (`0`/`1`), `start-time`, then for
 * answered calls `answer-time` and, once ended, `end-time` (ISO 8601, UTC). An `END` without its
 * `BEGIN` (the BEGIN expired first, or never written) is not a call and is left out.
 */
import { escapeXml } from './xml-tree'

/** One party of a call as the list shows it. */
export interface CallParty {
  uri: string
  /** Display name; empty when the request carried none. */
  name: string
}

/** What a call presents to a user whose caller asked for privacy (RFC 3323 §4.1, TS 24.607). */
export const ANONYMOUS_PARTY: CallParty = {
  uri: 'sip:anonymous@anonymous.invalid',
  name: 'Anonymous',
}

export const FRAGMENT_KINDS = ['BEGIN', 'END', 'REJECTED'] as const
export type FragmentKind = (typeof FRAGMENT_KINDS)[number]

/** One stored fragment of one call for one user. */
export interface CallFragment {
  kind: FragmentKind
  callId: string
  /** When the INVITE arrived, epoch ms: with the Call-ID, the call's identity in the list. */
  startMs: number
  /** BEGIN and REJECTED only. */
  outgoing?: boolean
  from?: CallParty
  to?: CallParty
  /** BEGIN: when the call was answered. */
  answerMs?: number
  /** END: when the call ended. */
  endMs?: number
}

/** One call of a list, merged from its fragments. */
export interface CallRecord {
  callId: string
  from: CallParty
  to: CallParty
  outgoing: boolean
  answered: boolean
  startMs: number
  answerMs?: number
  endMs?: number
}

const callKey = (f: { startMs: number; callId: string }) => `${f.startMs}\u0000${f.callId}`

/**
 * Merges fragments (any order) into calls, newest first. `maxCalls` keeps only that many of the
 * newest calls (Memento's `max_call_list_length`).
 */
export function mergeFragments(
  fragments: readonly CallFragment[],
  maxCalls?: number
): CallRecord[] {
  const heads = new Map<string, CallRecord>()
  const ends = new Map<string, number>()
  for (const f of fragments) {
    const k = callKey(f)
    if (f.kind === 'END') {
      if (f.endMs !== undefined) ends.set(k, f.endMs)
      continue
    }
    if (!f.from || !f.to || f.outgoing === undefined) continue
    const prior = heads.get(k)
    // An answered record wins over a rejection of the same call (a fork that failed first).
    if (prior?.answered && f.kind === 'REJECTED') continue
    heads.set(k, {
      callId: f.callId,
      from: f.from,
      to: f.to,
      outgoing: f.outgoing,
      answered: f.kind === 'BEGIN',
      startMs: f.startMs,
      ...(f.kind === 'BEGIN' && f.answerMs !== undefined ? { answerMs: f.answerMs } : {}),
    })
  }
  const out: CallRecord[] = []
  for (const [k, r] of heads) {
    const end = ends.get(k)
    out.push(r.answered && end !== undefined ? { ...r, endMs: end } : r)
  }
  out.sort((a, b) => b.startMs - a.startMs || (a.callId < b.callId ? 1 : -1))
  return maxCalls !== undefined ? out.slice(0, maxCalls) : out
}

/** Characters outside XML 1.0's `Char` production (§2.2): C0 controls but tab, LF and CR, lone surrogates, U+FFFE, U+FFFF. */
const NOT_XML_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu

/**
 * `text` with the characters XML 1.0 cannot carry removed. A SIP display name may hold any of
 * them (RFC 3261 §25.1 `quoted-pair` escapes `%x00-09`, `%x0B-0C`, `%x0E-7F`), and a single one
 * makes an XML parser refuse the whole list.
 */
export function xmlChars(text: string): string {
  return text.replace(NOT_XML_CHAR, '')
}

/** `text` cut to at most `max` UTF-16 units, never between the halves of a surrogate pair. */
function cut(text: string, max: number): string {
  if (text.length <= max) return text
  const head = text.slice(0, max)
  const last = head.charCodeAt(head.length - 1)
  return last >= 0xd800 && last <= 0xdbff ? head.slice(0, -1) : head
}

/**
 * A party as a call list keeps it: characters XML cannot carry removed, then the display name and
 * the URI each cut to `maxChars`. Both come from the caller's request, which may be as large as
 * the edge lets a message be; a list read holds many of them in memory at once.
 */
export function boundedParty(p: CallParty, maxChars: number): CallParty {
  return { uri: cut(xmlChars(p.uri), maxChars), name: cut(xmlChars(p.name), maxChars) }
}

const two = (n: number) => String(n).padStart(2, '0')

/**
 * ISO 8601 in UTC with milliseconds (`2026-12-07T10:12:44.123Z`), as Memento writes its times;
 * the civil date from days since the epoch (H. Hinnant's `civil_from_days`), with no `Date`.
 */
export function isoTime(ms: number): string {
  const t = Math.floor(ms)
  const days = Math.floor(t / 86_400_000)
  const rest = t - days * 86_400_000
  const z = days + 719_468
  const era = Math.floor(z / 146_097)
  const doe = z - era * 146_097
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365
  )
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100))
  const mp = Math.floor((5 * doy + 2) / 153)
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1
  const month = mp < 10 ? mp + 3 : mp - 9
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0)
  const h = Math.floor(rest / 3_600_000)
  const m = Math.floor((rest % 3_600_000) / 60_000)
  const sec = Math.floor((rest % 60_000) / 1000)
  const milli = rest % 1000
  return `${String(year).padStart(4, '0')}-${two(month)}-${two(day)}T${two(h)}:${two(m)}:${two(sec)}.${String(milli).padStart(3, '0')}Z`
}

const partyXml = (tag: 'to' | 'from', p: CallParty) =>
  `<${tag}><URI>${escapeXml(xmlChars(p.uri))}</URI><name>${escapeXml(xmlChars(p.name))}</name></${tag}>`

function callXml(r: CallRecord): string {
  let s = `<call>${partyXml('to', r.to)}${partyXml('from', r.from)}`
  s += `<answered>${r.answered ? 1 : 0}</answered><outgoing>${r.outgoing ? 1 : 0}</outgoing>`
  s += `<start-time>${isoTime(r.startMs)}</start-time>`
  if (r.answered && r.answerMs !== undefined)
    s += `<answer-time>${isoTime(r.answerMs)}</answer-time>`
  if (r.answered && r.endMs !== undefined) s += `<end-time>${isoTime(r.endMs)}</end-time>`
  return `${s}</call>`
}

/** The `call-list.xml` document (clearwater-interfaces §8). */
export function callListXml(records: readonly CallRecord[]): string {
  return `<?xml version="1.0" encoding="UTF-8"?><call-list><calls>${records.map(callXml).join('')}</calls></call-list>`
}
