/**
 * @module parse-error-response
 * What to do with input that failed to parse. A malformed request gets a final response: 505 for
 * an unsupported version (RFC 3261 §21.5.6), 400 otherwise (§21.4.1) with a reason phrase naming
 * the problem (RFC 4475 §3.1.2). A malformed response, or input that is not a request at all, is
 * dropped: nothing can answer a response (RFC 4475 §3.1.2.5, §3.1.2.19). The error response is
 * built from the raw lines that can be salvaged (Via, From, To, Call-ID, CSeq), since the message
 * as a whole did not parse.
 */
import type { SipParseError } from './errors'
import { headerKey } from './header-names'
import { md5Hex } from './md5'

export type ParseErrorAction =
  | { action: 'respond'; status: 400 | 505; reason: string }
  | { action: 'drop'; reason: string }

/** Reason phrases must be one line of text (RFC 3261 §25.1 `Reason-Phrase`). */
const phrase = (s: string): string => s.replace(/[\x00-\x1f\x7f]+/g, ' ').slice(0, 120)

/** Respond (requests) or drop (responses and unrecognisable input). */
export function parseErrorAction(err: SipParseError): ParseErrorAction {
  if (err.kind !== 'request') return { action: 'drop', reason: err.reason }
  return {
    action: 'respond',
    status: err.status,
    reason: phrase(err.status === 505 ? 'Version Not Supported' : err.reason),
  }
}

const SALVAGE = new Set(['via', 'from', 'to', 'call-id', 'cseq'])

/**
 * The text of the error response for a request that failed with `err`, or null when the input
 * must be dropped. Header lines are copied as received; the To gets a tag derived from the request
 * (the same on every retransmission) unless it already has one or is itself the malformed header.
 */
export function parseErrorResponse(text: string, err: SipParseError): string | null {
  const act = parseErrorAction(err)
  if (act.action === 'drop') return null
  const lines = text.split(/\r?\n/)
  const picked = new Map<string, string[]>()
  let i = 0
  while (i < lines.length && lines[i] === '') i++
  for (i++; i < lines.length && lines[i] !== ''; i++) {
    let line = lines[i]!
    while (i + 1 < lines.length && /^[ \t]/.test(lines[i + 1]!)) line += ` ${lines[++i]!.trim()}`
    const colon = line.indexOf(':')
    if (colon <= 0) continue
    const key = headerKey(line.slice(0, colon).trim())
    if (!SALVAGE.has(key)) continue
    const list = picked.get(key) ?? []
    list.push(line)
    picked.set(key, list)
  }
  // A response travels back along the request's Via (RFC 3261 §8.2.6.2, §18.2.2): without one it
  // could reach nobody, so such input is dropped. Other missing fields still get their 400
  // (RFC 4475 §3.3.1).
  if (!picked.has('via')) return null
  let out = `SIP/2.0 ${act.status} ${act.reason}\r\n`
  for (const key of ['via', 'from', 'to', 'call-id', 'cseq']) {
    for (let line of picked.get(key) ?? []) {
      if (key === 'to' && err.header !== 'to' && !/;\s*tag\s*=/i.test(line)) {
        line += `;tag=${md5Hex(`${text.slice(0, 200)}|${picked.get('call-id')?.[0] ?? ''}`).slice(0, 16)}`
      }
      out += `${line}\r\n`
    }
  }
  return `${out}Content-Length: 0\r\n\r\n`
}
