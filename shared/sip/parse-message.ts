/**
 * @module parse-message
 * The message splitter: start line, header lines and body from one string (a WebSocket text frame
 * or a UDP datagram; stream framing is the framer's job). One left-to-right pass with `indexOf`
 * for line ends and `charCodeAt` for names: each header becomes a `HeaderField` pointing into the
 * text, its canonical key recognised by the name automaton in the same pass that finds the colon.
 * Values are not parsed here. The body is delimited by Content-Length (octets: UTF-8 for text, one per char for
 * binary input); octets after it are discarded as RFC 3261 §18.3 says for datagrams
 * (RFC 4475 §3.1.1.8), and a Content-Length larger than the message is an error (§3.1.2.2).
 */
import { CLASS, TOKEN } from './chars'
import { attempt, type MessageKind, type Result, SipParseError } from './errors'
import { HeaderField } from './header-field'
import { HEADER_NAMES, headerKeyAt } from './header-names'
import { type SipMessage, SipRequest, SipResponse } from './message'
import { parseContentLength } from './scalar-headers'
import { utf8Offset } from './utf8'
import { validateMessage } from './validate'

export interface ParseOptions {
  /**
   * The text holds one char per octet (latin1-decoded bytes), so Content-Length counts chars.
   * Default false: the text is Unicode and Content-Length counts its UTF-8 octets.
   */
  binary?: boolean
  /**
   * Check the RFC 3261 §8.1.1 mandatory headers (and parse them, warming the cache). Default true.
   * With false only the start line and header framing are checked; everything else is lazy.
   */
  validate?: boolean
}

const perr = (
  code: SipParseError['code'],
  reason: string,
  at: number,
  kind: MessageKind
): never => {
  throw new SipParseError(code, reason, at, { kind })
}

/** Classifies `s[a,b)` as a SIP-Version: 2 for SIP/2.0, 1 for another well-formed one, 0 if malformed. */
function sipVersion(s: string, a: number, b: number): number {
  if (!startsSip(s, a)) return 0
  if (
    b - a === 7 &&
    s.charCodeAt(a + 4) === 50 &&
    s.charCodeAt(a + 5) === 46 &&
    s.charCodeAt(a + 6) === 48
  ) {
    return 2
  }
  // SIP-Version = "SIP" "/" 1*DIGIT "." 1*DIGIT (RFC 3261 §25.1).
  let i = a + 4
  const d1 = i
  while (i < b && s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57) i++
  if (i === d1 || s.charCodeAt(i) !== 46) return 0
  const d2 = ++i
  while (i < b && s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57) i++
  return i === d2 || i !== b ? 0 : 1
}

/** `s` has `SIP/` (any case) at `a`. */
const startsSip = (s: string, a: number): boolean =>
  (s.charCodeAt(a) | 32) === 115 &&
  (s.charCodeAt(a + 1) | 32) === 105 &&
  (s.charCodeAt(a + 2) | 32) === 112 &&
  s.charCodeAt(a + 3) === 47

/**
 * Parses one SIP message. Throws `SipParseError` (with `status` 400 or 505, and `kind` telling a
 * request from a response) when the message is malformed.
 */
export function parseMessage(s: string, opts?: ParseOptions): SipMessage {
  const len = s.length
  let start = 0
  // RFC 3261 §7.5: CRLFs before the start line are ignored.
  while (start < len && (s.charCodeAt(start) === 13 || s.charCodeAt(start) === 10)) start++
  if (start >= len) perr('empty', 'Empty message', start, 'unknown')
  const nl = s.indexOf('\n', start)
  if (nl < 0) perr('truncated', 'Message ends inside the start line', len, 'unknown')
  const sle = s.charCodeAt(nl - 1) === 13 ? nl - 1 : nl
  const isResponse = startsSip(s, start)
  const kind: MessageKind = isResponse ? 'response' : 'request'

  // ---- start line (RFC 3261 §7.1, §7.2) -------------------------------------------------
  let method = ''
  let uriStart = 0
  let uriEnd = 0
  let status = 0
  let reason = ''
  if (isResponse) {
    let sp = start
    while (sp < sle && s.charCodeAt(sp) !== 32) sp++
    const v = sipVersion(s, start, sp)
    if (v === 0) perr('start-line', 'Malformed status line', start, kind)
    if (v === 1) perr('version', 'Version Not Supported', start, kind)
    const cs = sp + 1
    for (let i = 0; i < 3; i++) {
      const d = s.charCodeAt(cs + i) - 48
      if (d < 0 || d > 9) perr('status-code', 'Malformed status code', cs, kind)
      status = status * 10 + d
    }
    if (cs + 3 < sle && s.charCodeAt(cs + 3) !== 32)
      perr('status-code', 'Malformed status code', cs, kind)
    if (status < 100 || status > 699) perr('status-code', 'Status code out of range', cs, kind)
    reason = cs + 4 <= sle ? s.slice(cs + 4, sle) : ''
  } else {
    let i = start
    while (i < sle) {
      const c = s.charCodeAt(i)
      if ((CLASS[c]! & TOKEN) === 0) break
      i++
    }
    if (i === start || s.charCodeAt(i) !== 32) perr('start-line', 'Malformed request line', i, kind)
    method = s.slice(start, i)
    uriStart = i + 1
    const lastSp = s.lastIndexOf(' ', sle - 1)
    if (lastSp <= uriStart) perr('start-line', 'Malformed request line', uriStart, kind)
    const v = sipVersion(s, lastSp + 1, sle)
    if (v === 0) perr('start-line', 'Malformed SIP version in request line', lastSp + 1, kind)
    if (v === 1) perr('version', 'Version Not Supported', lastSp + 1, kind)
    uriEnd = lastSp
    for (let j = uriStart; j < uriEnd; j++) {
      const c = s.charCodeAt(j)
      // RFC 3261 §7.1: exactly one SP between elements, no LWS inside the Request-URI
      // (RFC 4475 §3.1.2.8–3.1.2.10).
      if (c === 32 || c === 9) perr('start-line', 'White space in Request-URI', j, kind)
    }
  }

  // ---- header fields (RFC 3261 §7.3) ----------------------------------------------------
  const headers: HeaderField[] = []
  const { symbol, next, start: s0 } = HEADER_NAMES
  let pos = nl + 1
  let clIndex = -1
  let clCount = 0
  for (;;) {
    if (pos >= len) perr('truncated', 'Message ends inside the headers', pos, kind)
    let c = s.charCodeAt(pos)
    if (c === 13 && s.charCodeAt(pos + 1) === 10) {
      pos += 2
      break
    }
    if (c === 10) {
      pos++
      break
    }
    const ls = pos
    let st = s0
    for (;;) {
      const sym = symbol[c]
      if (!sym) break // 0: not a token char; undefined: past the end (NaN)
      st = next[st + sym]!
      c = s.charCodeAt(++pos)
    }
    const ne = pos
    while (c === 32 || c === 9) c = s.charCodeAt(++pos)
    if (ne === ls || c !== 58) perr('header-line', 'Malformed header line', ls, kind)
    pos++
    let e = s.indexOf('\n', pos)
    let folded = false
    while (e >= 0) {
      const n = s.charCodeAt(e + 1)
      if (n !== 32 && n !== 9) break
      folded = true
      e = s.indexOf('\n', e + 1)
    }
    if (e < 0) perr('truncated', 'Message ends inside the headers', len, kind)
    const le = s.charCodeAt(e - 1) === 13 ? e - 1 : e
    let vs = pos
    while (vs < le) {
      const w = s.charCodeAt(vs)
      if (w !== 32 && w !== 9 && w !== 13 && w !== 10) break
      vs++
    }
    let ve = le
    while (ve > vs) {
      const w = s.charCodeAt(ve - 1)
      if (w !== 32 && w !== 9 && w !== 13 && w !== 10) break
      ve--
    }
    const key = headerKeyAt(s, ls, ne, st)
    if (key === 'content-length') {
      clCount++
      clIndex = headers.length
    }
    headers.push(new HeaderField(key, s, vs, ve, ls, le, ne, folded, null))
    pos = e + 1
  }

  // ---- body (RFC 3261 §7.4, §18.3, §20.14) -------------------------------------------------
  const bodyStart = pos
  let end = len
  let cl = -1
  if (clCount > 1) perr('content-length', 'Multiple Content-Length headers', bodyStart, kind)
  if (clCount === 1) {
    const f = headers[clIndex]!
    try {
      cl = parseContentLength(s, f.vStart, f.vEnd)
    } catch {
      perr('content-length', 'Bad Content-Length header', f.vStart, kind)
    }
    if (opts?.binary) end = bodyStart + cl <= len ? bodyStart + cl : -1
    else if (cl > len - bodyStart) {
      // More octets than chars left: only non-ASCII text could make up the difference.
      end = utf8Offset(s, bodyStart, cl)
    } else if (cl < len - bodyStart) end = utf8Offset(s, bodyStart, cl)
    // cl === chars left: the body ends at `len` unless it holds non-ASCII text; that scan costs a
    // pass over the body, so it is left to the first reader of the body (`SipMessage.end`).
    else end = -2
    if (end === -1) perr('truncated', 'Content-Length larger than message', len, kind)
  }
  const binary = opts?.binary === true
  const m: SipMessage = isResponse
    ? new SipResponse(s, headers, binary, start, end, bodyStart, status, reason, sle)
    : new SipRequest(s, headers, binary, start, end, bodyStart, method, uriStart, uriEnd, sle)
  if (opts?.validate !== false) {
    try {
      validateMessage(m)
    } catch (e) {
      if (e instanceof SipParseError) e.kind = kind
      throw e
    }
  }
  return m
}

/** `parseMessage` returning `{ok, value} | {ok:false, error}` instead of throwing. */
export function tryParseMessage(s: string, opts?: ParseOptions): Result<SipMessage> {
  return attempt(() => parseMessage(s, opts))
}
