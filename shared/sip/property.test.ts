/**
 * Property tests (fast-check): generated messages survive parse → serialize → parse with the same
 * structure, before and after proxy edits; untouched messages serialise byte-for-byte; and random
 * corruption of valid messages (and random octets into the framer) only ever yields a parsed
 * message or a `SipParseError`, never another exception.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { SipParseError } from './errors'
import { StreamFramer } from './framer'
import type { SipMessage } from './message'
import { parseNameAddr } from './name-addr'
import { parseMessage } from './parse-message'
import { parseUri, serializeUri } from './uri'
import { encodeUtf8 } from './utf8'
import { makeVia } from './via'

const alnum = fc.stringMatching(/^[a-z0-9]{1,8}$/)
const token = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9.!%*_+`'~-]{0,10}$/)
const hostname = fc
  .array(fc.stringMatching(/^[a-z][a-z0-9-]{0,6}[a-z0-9]$/), { minLength: 1, maxLength: 3 })
  .map((l) => l.join('.'))
const ipv4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((p) => p.join('.'))
const ipv6 = fc.ipV6().map((a) => `[${a}]`)
const host = fc.oneof(hostname, ipv4, ipv6)
const user = fc.oneof(
  alnum,
  fc.stringMatching(/^\+[0-9]{4,11}$/),
  alnum.map((u) => `${u}%20x`)
)
const uriParam = fc.tuple(
  fc.stringMatching(/^[a-z][a-z-]{0,7}$/),
  fc.option(alnum, { nil: undefined })
)
const sipUriText = fc
  .record({
    scheme: fc.constantFrom('sip', 'sips'),
    user: fc.option(user, { nil: undefined }),
    host,
    port: fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined }),
    params: fc.array(uriParam, { maxLength: 3 }),
  })
  .map(
    (u) =>
      `${u.scheme}:${u.user ? `${u.user}@` : ''}${u.host}${u.port ? `:${u.port}` : ''}${u.params
        .map(([n, v]) => (v === undefined ? `;${n}` : `;${n}=${v}`))
        .join('')}`
  )
const anyUriText = fc.oneof(
  { weight: 4, arbitrary: sipUriText },
  { weight: 1, arbitrary: fc.stringMatching(/^\+[0-9]{3,11}$/).map((n) => `tel:${n}`) },
  { weight: 1, arbitrary: fc.uuid().map((u) => `urn:uuid:${u}`) }
)
const displayName = fc.oneof(
  fc.constant(''),
  token.map((t) => `${t} `),
  fc
    .string({ maxLength: 12 })
    .map((s) => `"${s.replace(/[\\"]/g, '\\$&').replace(/[\r\n]/g, '')}" `)
)
/** LWS that may include a fold. */
const lws = fc.constantFrom('', ' ', '  ', '\r\n ', '\r\n\t')
const headerParam = fc.tuple(
  fc.stringMatching(/^[a-z][a-z-]{0,6}$/),
  fc.option(fc.oneof(token, fc.constant('"q,u;o=t"')), { nil: undefined })
)
const params = (ps: [string, string | undefined][], sp: string): string =>
  ps.map(([n, v]) => (v === undefined ? `${sp};${n}` : `${sp};${n}=${v}`)).join('')

const nameAddrText = fc
  .record({
    dn: displayName,
    uri: anyUriText,
    ps: fc.array(headerParam, { maxLength: 3 }),
    sp: lws,
  })
  .map((r) => `${r.dn}<${r.uri}>${params(r.ps, r.sp)}`)
const viaText = fc
  .record({
    t: fc.constantFrom('UDP', 'TCP', 'TLS', 'WS', 'WSS'),
    h: host,
    p: fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined }),
    b: alnum,
    rport: fc.boolean(),
    sp: lws,
  })
  .map(
    (v) =>
      `SIP/2.0/${v.t} ${v.h}${v.p ? `:${v.p}` : ''}${v.sp};branch=z9hG4bK${v.b}${v.rport ? ';rport' : ''}`
  )

const messageText = fc
  .record({
    response: fc.boolean(),
    status: fc.integer({ min: 100, max: 699 }),
    method: fc.constantFrom(
      'INVITE',
      'REGISTER',
      'OPTIONS',
      'BYE',
      'MESSAGE',
      'SUBSCRIBE',
      'NOTIFY'
    ),
    ruri: anyUriText,
    vias: fc.array(viaText, { minLength: 1, maxLength: 3 }),
    viaPerLine: fc.boolean(),
    from: nameAddrText,
    fromTag: alnum,
    to: nameAddrText,
    callId: fc.stringMatching(/^[a-zA-Z0-9.!%*_+`'~-]{1,20}(@[a-z0-9.]{1,10})?$/),
    cseq: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
    mf: fc.option(fc.integer({ min: 0, max: 255 }), { nil: undefined }),
    routes: fc.array(
      fc.tuple(displayName, sipUriText).map(([d, u]) => `${d}<${u};lr>`),
      { maxLength: 3 }
    ),
    contacts: fc.array(nameAddrText, { maxLength: 2 }),
    extra: fc.array(
      fc.tuple(fc.stringMatching(/^X-[A-Za-z]{1,8}$/), fc.stringMatching(/^[ -~]{0,30}$/)),
      { maxLength: 3 }
    ),
    body: fc.string({ maxLength: 60 }),
    compact: fc.boolean(),
  })
  .map((r) => {
    const start = r.response ? `SIP/2.0 ${r.status} Reason Text` : `${r.method} ${r.ruri} SIP/2.0`
    const method = r.response ? 'INVITE' : r.method
    const h: string[] = []
    if (r.viaPerLine) for (const v of r.vias) h.push(`${r.compact ? 'v' : 'Via'}: ${v}`)
    else h.push(`Via: ${r.vias.join(', ')}`)
    if (r.mf !== undefined) h.push(`Max-Forwards: ${r.mf}`)
    if (r.routes.length > 0) h.push(`Route: ${r.routes.join(',\r\n ')}`)
    h.push(`${r.compact ? 'f' : 'From'}: ${r.from};tag=${r.fromTag}`)
    h.push(`To: ${r.to}`)
    h.push(`${r.compact ? 'i' : 'Call-ID'}: ${r.callId}`)
    h.push(`CSeq: ${r.cseq} ${method}`)
    if (r.contacts.length > 0) h.push(`Contact: ${r.contacts.join(', ')}`)
    for (const [n, v] of r.extra) h.push(`${n}: ${v}`)
    h.push(`Content-Length: ${encodeUtf8(r.body).length}`)
    return `${h.length > 0 ? `${start}\r\n${h.join('\r\n')}` : start}\r\n\r\n${r.body}`
  })

/** Every header parsed (or its text, for headers without a parser): the structure compared. */
function view(m: SipMessage): unknown {
  return {
    start: m.kind === 'request' ? [m.method, m.uri] : [m.status, m.reason],
    headers: m.headers.map((f) => [f.key, f.parsed()]),
    body: m.body,
  }
}

describe('round trip', () => {
  it('an untouched message serialises to exactly its input', () => {
    fc.assert(
      fc.property(messageText, (text) => {
        const m = parseMessage(text)
        expect(m.toString()).toBe(text)
      }),
      { numRuns: 300 }
    )
  })

  it('parse(serialize(m)) equals m, before and after proxy edits', () => {
    const edit = fc.array(
      fc.constantFrom('via', 'route', 'rr', 'ruri', 'mf', 'shiftVia', 'header', 'body'),
      { maxLength: 5 }
    )
    fc.assert(
      fc.property(messageText, edit, (text, edits) => {
        const m = parseMessage(text)
        expect(view(parseMessage(m.toString()))).toEqual(view(m))
        for (const e of edits) {
          if (e === 'via')
            m.prepend(
              'via',
              makeVia({ transport: 'TCP', host: 'proxy.example.com', branch: 'z9hG4bKx' })
            )
          if (e === 'route') m.shift('route')
          if (e === 'rr') m.prepend('record-route', parseNameAddr('<sip:proxy.example.com;lr>'))
          if (e === 'ruri' && m.kind === 'request') m.setUri('sip:new@example.net;transport=tcp')
          if (e === 'mf' && m.kind === 'request') m.decrementMaxForwards()
          if (e === 'shiftVia' && m.vias.length > 1) m.shift('via')
          if (e === 'header') m.set('X-Edge', 'edited; value')
          if (e === 'body') m.setBody('v=0\r\né\r\n', 'application/sdp')
        }
        expect(view(parseMessage(m.toString()))).toEqual(view(m))
      }),
      { numRuns: 300 }
    )
  })

  it('parseUri(serializeUri(u)) equals u', () => {
    fc.assert(
      fc.property(anyUriText, (text) => {
        const u = parseUri(text)
        expect(serializeUri(u)).toBe(text)
        expect(parseUri(serializeUri(u))).toEqual(u)
      })
    )
  })
})

/** Reads everything a consumer might read; any exception other than SipParseError escapes. */
function readAll(m: SipMessage): void {
  if (m.kind === 'request') void m.uri
  for (const f of m.headers) {
    try {
      f.parsed()
    } catch (e) {
      if (!(e instanceof SipParseError)) throw e
    }
  }
  void m.body
  void m.toString()
}

const mutate = (text: string, ops: [number, number, string][]): string => {
  let s = text
  for (const [kind, at, chars] of ops) {
    const i = s.length === 0 ? 0 : at % (s.length + 1)
    if (kind === 0) s = s.slice(0, i) + chars + s.slice(i)
    else if (kind === 1) s = s.slice(0, i) + s.slice(i + 1 + (chars.length % 4))
    else if (kind === 2) s = s.slice(0, i) + chars + s.slice(i + chars.length)
    else if (kind === 3) s = s.slice(0, i)
    else s = s.slice(0, i) + s.slice(i, i + 40) + s.slice(i)
  }
  return s
}

describe('robustness', () => {
  const noise = fc.oneof(
    fc.string({ maxLength: 4 }),
    fc.constantFrom(
      ';',
      ',',
      '"',
      '<',
      '>',
      '\\',
      ':',
      '@',
      '[',
      ']',
      '%',
      '=',
      '\r\n',
      '\r\n ',
      ' ',
      '\0',
      'é',
      '\uffff',
      '\ud800'
    )
  )
  const ops = fc.array(fc.tuple(fc.integer({ min: 0, max: 4 }), fc.nat(), noise), {
    minLength: 1,
    maxLength: 6,
  })

  it('mutated messages parse or throw SipParseError, and reading them does the same', () => {
    fc.assert(
      fc.property(messageText, ops, fc.boolean(), (text, o, binary) => {
        const bad = mutate(text, o)
        let m: SipMessage
        try {
          m = parseMessage(bad, { binary })
        } catch (e) {
          if (e instanceof SipParseError) return
          throw e
        }
        readAll(m)
      }),
      { numRuns: 1500 }
    )
  })

  it('the framer only ever reports events on random octets', () => {
    fc.assert(
      fc.property(
        messageText,
        ops,
        fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 4 }),
        (text, o, sizes) => {
          const bytes = encodeUtf8(`${mutate(text, o)}\r\n\r\n${text}`)
          const f = new StreamFramer({ maxBodyBytes: 4096 })
          let i = 0
          let k = 0
          while (i < bytes.length) {
            const n = sizes[k++ % sizes.length]!
            for (const e of f.push(bytes.subarray(i, i + n)))
              if (e.type === 'message') readAll(e.message)
            i += n
          }
        }
      ),
      { numRuns: 500 }
    )
  })
})
