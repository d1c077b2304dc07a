/**
 * @module edge/replies
 * Responses the edge itself sends to a client: built from the request's Via, From, To, Call-ID
 * and CSeq (RFC 3261 §8.2.6.2), a To tag added for final responses. For a request too broken to
 * parse, the same fields are picked from its raw lines, so the client still gets its 400 or 505
 * (RFC 3261 §16.3, §8.2.2) whenever they can be found; otherwise there is nothing to answer.
 */
import type { SipParseError } from '../shared/sip'
import type { SipRequest } from '../shared/sip/message'

const COPIED = ['via', 'from', 'to', 'call-id', 'cseq'] as const
const COMPACT: Record<string, (typeof COPIED)[number]> = {
  v: 'via',
  f: 'from',
  t: 'to',
  i: 'call-id',
}
const CANONICAL: Record<(typeof COPIED)[number], string> = {
  via: 'Via',
  from: 'From',
  to: 'To',
  'call-id': 'Call-ID',
  cseq: 'CSeq',
}

function build(
  status: number,
  reason: string,
  fields: Record<(typeof COPIED)[number], string[]>,
  toTag: string,
  extra: ReadonlyArray<readonly [string, string]>
): string {
  const lines = [`SIP/2.0 ${status} ${reason.replace(/[\r\n]+/g, ' ')}`]
  for (const h of COPIED) {
    for (const v of fields[h]) {
      const to = h === 'to' && status > 100 && !/;\s*tag=/i.test(v) ? `${v};tag=${toTag}` : v
      lines.push(`${CANONICAL[h]}: ${to}`)
    }
  }
  for (const [n, v] of extra) lines.push(`${n}: ${v}`)
  lines.push('Content-Length: 0', '', '')
  return lines.join('\r\n')
}

export function replyTo(
  req: SipRequest,
  status: number,
  reason: string,
  toTag: string,
  extra: ReadonlyArray<readonly [string, string]> = []
): string {
  const fields = Object.fromEntries(COPIED.map((h) => [h, req.getAllRaw(h)])) as Record<
    (typeof COPIED)[number],
    string[]
  >
  return build(status, reason, fields, toTag, extra)
}

/** The 400/505 for a request that failed to parse, or undefined when it cannot be answered. */
export function replyToUnparsable(
  text: string,
  err: SipParseError,
  toTag: string
): string | undefined {
  // Responses are never answered (RFC 3261 §18.1.2); neither is an ACK.
  if (err.kind === 'response' || /^SIP\/2\.0 /i.test(text) || /^ACK /.test(text)) return undefined
  if (!/^[A-Za-z]+ \S+ SIP\/\S+\r?\n/.test(text)) return undefined
  const head = text
    .split(/\r?\n\r?\n/, 1)[0]!
    .split(/\r?\n/)
    .slice(1)
  const fields = { via: [], from: [], to: [], 'call-id': [], cseq: [] } as Record<
    (typeof COPIED)[number],
    string[]
  >
  for (const line of head) {
    const m = /^([A-Za-z-]+)\s*:\s*(.*)$/.exec(line)
    if (!m) continue
    const name = m[1]!.toLowerCase()
    const key = (COMPACT[name] ?? name) as (typeof COPIED)[number]
    if (key in fields) fields[key].push(m[2]!.trim())
  }
  if (COPIED.some((h) => fields[h].length === 0)) return undefined
  return build(err.status, err.reason, fields, toTag, [])
}
