/**
 * The RFC 4475 and RFC 5118 torture messages, read in place from ../shared/testdata, each held to
 * the verdict its manifest gives: `parse` messages parse, serialise back to their exact input and
 * the fields the RFC is testing read correctly; `reject` messages throw `SipParseError` and map to
 * the documented response (505 / 400, or drop for responses); `reject-or-liberal` and
 * `implementation-choice` messages never crash, and our documented choice is pinned.
 */
import { describe, expect, it } from 'vitest'
import { decode, manifest, tortureBytes } from '../../test/support/sip/corpus'
import { contactQ } from './contact'
import { SipParseError } from './errors'
import { unescapeUri } from './escape'
import type { SipMessage, SipRequest, SipResponse } from './message'
import { getParam } from './params'
import { parseErrorAction, parseErrorResponse } from './parse-error-response'
import { parseMessage } from './parse-message'
import { isRfc3261Branch } from './via'

type Rfc = 'rfc4475' | 'rfc5118'

function load(rfc: Rfc, file: string): { text: string; binary: boolean } {
  return decode(tortureBytes(rfc, file))
}

function outcome(rfc: Rfc, file: string): SipMessage | SipParseError {
  const { text, binary } = load(rfc, file)
  try {
    return parseMessage(text, { binary })
  } catch (e) {
    if (e instanceof SipParseError) return e
    throw e
  }
}

const req = (m: SipMessage): SipRequest => {
  if (m.kind !== 'request') throw new Error('expected a request')
  return m
}
const res = (m: SipMessage): SipResponse => {
  if (m.kind !== 'response') throw new Error('expected a response')
  return m
}
const sipUser = (m: SipMessage, which: 'from' | 'to'): string | null => {
  const u = m[which].uri
  return u.kind === 'sip' ? u.user : null
}

/** What each `parse` message is testing, read back through the public accessors. */
const FIELDS: Record<string, (m: SipMessage) => void> = {
  'wsinv.dat': (m) => {
    const r = req(m)
    expect(r.method).toBe('INVITE')
    expect(r.toTag).toBe('1918181833n')
    expect(r.fromTag).toBe('98asjd8')
    expect(r.from.displayName).toBe('J Rosenberg \\"')
    expect(r.maxForwards).toBe(68)
    expect(r.cseq).toEqual({ seq: 9, method: 'INVITE' })
    expect(r.vias.map((v) => [v.transport, v.host, v.branch])).toEqual([
      ['UDP', '192.0.2.2', '390skdjuw'],
      ['TCP', 'spindle.example.com', 'z9hG4bK9ikj8'],
      ['UDP', '192.168.255.111', 'z9hG4bK30239'],
    ])
    expect(r.getRaw('NewFangledHeader')).toBe('newfangled value continued newfangled value')
    expect(r.getRaw('UnknownHeaderWithUnusualValue')).toBe(';;,,;;,;')
    const c = r.contacts[0]
    if (c === undefined || c === '*') throw new Error('contact')
    expect(c.displayName).toBe('Quoted string ""')
    expect(contactQ(c)).toBe(0.33)
    expect(getParam(c.params, 'newparam')).toBe('newvalue')
    expect(r.get('route')?.uri).toMatchObject({ host: 'services.example.com' })
    expect(r.getRaw('s')).toBe('')
  },
  'intmeth.dat': (m) => {
    const r = req(m)
    expect(r.method).toBe("!interesting-Method0123456789_*+`.%indeed'~")
    expect(r.uri).toMatchObject({
      kind: 'sip',
      user: "1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*",
      password: "&it+has=1,weird!*pas$wo~d_too.(doesn't-it)",
      host: 'example.com',
    })
    expect(r.to.displayName).toBe('BEL:\x07 NUL:\x00 DEL:\x7f')
    expect(r.from.displayName).toBe("token1~` token2'+_ token3*%!.-")
    expect(r.fromTag).toBe("_token~1'+`*%!-.")
    expect(r.topVia.branch).toBe("z9hG4bK-.!%66*_+`'~")
    expect(r.callId).toBe('intmeth.word%ZK-!.*_+\'@word`~)(><:\\/"][?}{')
    expect(r.getRaw("extensionHeader-!.%*+_`'~")).toBe('\ufeff大停電')
  },
  'esc01.dat': (m) => {
    const r = req(m)
    const u = r.uri
    expect(u.kind === 'sip' && unescapeUri(u.user!)).toBe('sips:user@example.com')
    expect(unescapeUri(sipUser(r, 'to')!)).toBe('user')
    expect(unescapeUri(sipUser(r, 'from')!)).toBe('I have spaces')
    const c = r.contacts[0]
    if (c === undefined || c === '*' || c.uri.kind !== 'sip') throw new Error('contact')
    expect(unescapeUri(c.uri.user!)).toBe('caller')
    expect(c.uri.params.map((p) => [unescapeUri(p.name), p.value && unescapeUri(p.value)])).toEqual(
      [
        ['lr', null],
        ['name', 'value%41'],
      ]
    )
  },
  'escnull.dat': (m) => {
    expect(unescapeUri(sipUser(m, 'to')!)).toBe('null-\x00-null')
    const users = m.contacts.map((c) =>
      c !== '*' && c.uri.kind === 'sip' ? unescapeUri(c.uri.user!) : ''
    )
    expect(users).toEqual(['\x00', '\x00\x00'])
  },
  'esc02.dat': (m) => {
    const r = req(m)
    expect(r.method).toBe('RE%47IST%45R')
    expect(r.method).not.toBe('REGISTER')
    expect(r.to.displayName).toBe('%Z%45')
    // C%6Fntact is an unknown header, not Contact.
    expect(r.contacts).toHaveLength(2)
    expect(r.getRaw('C%6Fntact')).toBe('<sip:alias2@host2.example.com>')
  },
  'lwsdisp.dat': (m) => expect(m.from.displayName).toBe('caller'),
  'longreq.dat': (m) => {
    expect(m.vias).toHaveLength(34)
    expect(m.callId.length).toBeGreaterThan(100)
    expect(m.to.displayName?.length).toBeGreaterThan(80)
    expect(m.fromTag?.length).toBeGreaterThan(150)
  },
  'dblreq.dat': (m) => {
    expect(req(m).method).toBe('REGISTER')
    expect(m.body).toBe('')
    expect(m.toString()).toMatch(/^REGISTER [\s\S]*Content-Length: 0\r\n\r\n$/)
  },
  'semiuri.dat': (m) =>
    expect(req(m).uri).toMatchObject({ user: 'user;par=u%40example.net', host: 'example.com' }),
  'transports.dat': (m) =>
    expect(m.vias.map((v) => v.transport)).toEqual(['UDP', 'SCTP', 'TLS', 'UNKNOWN', 'TCP']),
  'mpart01.dat': (m) => {
    expect(m.binary).toBe(true)
    expect(m.bodyLength).toBe(553)
    expect(m.get('content-type')?.value).toBe('multipart/mixed')
  },
  'unreason.dat': (m) => {
    const r = res(m)
    expect(r.status).toBe(200)
    expect(r.reason).toBe('= 2**3 * 5**2 но сто девяносто девять - простое')
  },
  'noreason.dat': (m) => {
    expect(res(m).status).toBe(100)
    expect(res(m).reason).toBe('')
  },
  'badbranch.dat': (m) => {
    expect(m.topVia.branch).toBe('z9hG4bK')
    expect(isRfc3261Branch(m.topVia.branch)).toBe(false)
  },
  'unkscm.dat': (m) =>
    expect(req(m).uri).toEqual({
      kind: 'absolute',
      scheme: 'nobodyknowsthisscheme',
      opaque: 'totallyopaquecontent',
    }),
  'novelsc.dat': (m) => expect(req(m).uri).toMatchObject({ kind: 'absolute', scheme: 'soap.beep' }),
  'unksm2.dat': (m) => {
    expect(m.to.uri).toMatchObject({ kind: 'absolute', scheme: 'isbn', opaque: '2983792873' })
    expect(m.from.uri).toMatchObject({ kind: 'absolute', scheme: 'http' })
    expect(m.contacts[0]).toMatchObject({ uri: { scheme: 'name', opaque: 'John_Smith' } })
  },
  'bext01.dat': (m) => {
    expect(m.getAll('require')).toEqual(['nothingSupportsThis', 'nothingSupportsThisEither'])
    expect(m.getAll('proxy-require')).toEqual([
      'noProxiesSupportThis',
      'norDoAnyProxiesSupportThis',
    ])
  },
  'invut.dat': (m) => expect(m.get('content-type')?.value).toBe('application/unknownformat'),
  'regaut01.dat': (m) =>
    expect(m.get('authorization')).toMatchObject({ scheme: 'NoOneKnowsThisScheme' }),
  'bcast.dat': (m) => expect(m.vias[1]?.host).toBe('255.255.255.255'),
  'zeromf.dat': (m) => expect(m.maxForwards).toBe(0),
  'cparam01.dat': (m) => {
    const c = m.contacts[0]
    if (c === undefined || c === '*' || c.uri.kind !== 'sip') throw new Error('contact')
    expect(c.params).toEqual([{ name: 'unknownparam', value: null }])
    expect(c.uri.params).toEqual([])
  },
  'cparam02.dat': (m) => {
    const c = m.contacts[0]
    if (c === undefined || c === '*' || c.uri.kind !== 'sip') throw new Error('contact')
    expect(c.params).toEqual([])
    expect(c.uri.params).toEqual([{ name: 'unknownparam', value: null }])
  },
  'regescrt.dat': (m) => {
    const c = m.contacts[0]
    if (c === undefined || c === '*' || c.uri.kind !== 'sip') throw new Error('contact')
    expect(c.uri.headers).toEqual([{ name: 'Route', value: '%3Csip:sip.example.com%3E' }])
  },
  'sdp01.dat': (m) => expect(m.getRaw('Accept')).toBe('text/nobodyKnowsThis'),
  'inv2543.dat': (m) => {
    expect(m.topVia.branch).toBeNull()
    expect(m.fromTag).toBeUndefined()
    expect(m.maxForwards).toBeUndefined()
    expect(m.has('content-length')).toBe(false)
    expect(m.body.startsWith('v=0')).toBe(true)
  },
  'ipv6-good': (m) => expect(req(m).uri).toMatchObject({ host: '[2001:db8::10]', port: null }),
  'port-ambiguous': (m) =>
    expect(req(m).uri).toMatchObject({ host: '[2001:db8::10:5070]', port: null }),
  'port-unambiguous': (m) =>
    expect(req(m).uri).toMatchObject({ host: '[2001:db8::10]', port: 5070 }),
  'via-received-param-with-delim': (m) => expect(m.topVia.received).toBe('[2001:db8::9:255]'),
  'via-received-param-no-delim': (m) => expect(m.topVia.received).toBe('2001:db8::9:255'),
  'ipv6-in-sdp': (m) => expect(m.body).toContain('IN IP6'),
  'mult-ip-in-header': (m) => expect(m.vias.length).toBeGreaterThan(1),
  'mult-ip-in-sdp': (m) => expect(m.body).toContain('IN IP6'),
  'ipv4-mapped-ipv6': (m) =>
    expect(m.vias.map((v) => [v.host, v.port])).toEqual([
      ['[::ffff:192.0.2.10]', 19823],
      ['[::ffff:192.0.2.2]', null],
    ]),
  'ipv6-correct-abnf-2-colons': (m) =>
    expect(req(m).uri).toMatchObject({ host: '[2001:db8::192.0.2.1]' }),
}

/** Our pinned choice for messages the RFCs let us accept or reject. */
const CHOICE: Record<string, 'parse' | 'reject'> = {
  'ltgtruri.dat': 'reject',
  'lwsruri.dat': 'reject',
  'lwsstart.dat': 'reject',
  'trws.dat': 'reject',
  'escruri.dat': 'reject',
  'baddate.dat': 'parse',
  'regbadct.dat': 'parse',
  'badaspec.dat': 'reject',
  'ipv6-bug-abnf-3-colons': 'reject',
}

/** The documented response for each `reject` request (responses are dropped). */
const REJECT_STATUS: Record<string, 400 | 505 | 'drop'> = {
  'badvers.dat': 505,
  'scalarlg.dat': 'drop',
  'bigcode.dat': 'drop',
}

for (const rfc of ['rfc4475', 'rfc5118'] as const) {
  describe(`${rfc} torture messages`, () => {
    for (const entry of manifest(rfc)) {
      const label = `§${entry.section} ${entry.file} (${entry.expect}): ${entry.title}`
      it(label, () => {
        const got = outcome(rfc, entry.file)
        if (entry.expect === 'parse') {
          if (got instanceof SipParseError) throw got
          const { text } = load(rfc, entry.file)
          // Unmodified messages write back exactly what was read (minus datagram trailing octets).
          expect(text.startsWith(got.toString())).toBe(true)
          // Every header the table knows parses.
          for (const f of got.headers) expect([f.name, f.isValid()]).toEqual([f.name, true])
          const check = FIELDS[entry.file]
          expect(check, `field checks for ${entry.file}`).toBeDefined()
          check!(got)
        } else if (entry.expect === 'reject') {
          expect(got).toBeInstanceOf(SipParseError)
          const err = got as SipParseError
          const action = parseErrorAction(err)
          const want = REJECT_STATUS[entry.file] ?? 400
          if (want === 'drop') {
            expect(action.action).toBe('drop')
            expect(parseErrorResponse(load(rfc, entry.file).text, err)).toBeNull()
          } else {
            expect(action).toMatchObject({ action: 'respond', status: want })
            const response = parseErrorResponse(load(rfc, entry.file).text, err)
            expect(response).toMatch(new RegExp(`^SIP/2\\.0 ${want} `))
          }
        } else {
          // Either verdict is allowed; only a crash (a non-SipParseError throw) fails, and
          // outcome() rethrows those. Our choice is pinned so a change is deliberate.
          const choice = CHOICE[entry.file]
          expect(choice, `pinned choice for ${entry.file}`).toBeDefined()
          expect(got instanceof SipParseError ? 'reject' : 'parse').toBe(choice)
        }
      })
    }
  })
}

describe('torture corpus through the string API as latin1 octets', () => {
  // The string API with `binary: true` takes one char per octet (what decoding bytes as latin1
  // gives); Content-Length then counts chars. Verdicts must not depend on the decoding.
  for (const rfc of ['rfc4475', 'rfc5118'] as const) {
    for (const entry of manifest(rfc)) {
      it(`${rfc} ${entry.file}`, () => {
        const bytes = tortureBytes(rfc, entry.file)
        let latin1 = ''
        for (const b of bytes) latin1 += String.fromCharCode(b)
        const a = outcome(rfc, entry.file) instanceof SipParseError
        let b: boolean
        try {
          parseMessage(latin1, { binary: true })
          b = false
        } catch (e) {
          if (!(e instanceof SipParseError)) throw e
          b = true
        }
        expect(b).toBe(a)
      })
    }
  }

  it('decodes mpart01.dat (non-UTF-8 body) as binary and keeps every octet', () => {
    const bytes = tortureBytes('rfc4475', 'mpart01.dat')
    const { text, binary } = decode(bytes)
    expect(binary).toBe(true)
    const m = parseMessage(text, { binary })
    const out = m.toString()
    expect(Array.from(out, (c) => c.charCodeAt(0))).toEqual(Array.from(bytes))
  })

  it('counts Content-Length in UTF-8 octets for Unicode text (unreason.dat)', () => {
    const { text, binary } = load('rfc4475', 'unreason.dat')
    expect(binary).toBe(false)
    const m = parseMessage(text)
    expect(m.bodyLength).toBe(154)
  })
})
