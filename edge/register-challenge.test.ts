/**
 * The edge's own answer to a REGISTER without credentials (register-challenge.ts): which
 * REGISTERs it challenges, which it leaves to Sprout, and the 401 it sends, through the real
 * flow logic (client-inbound.ts) over the fake FlowIo.
 */
import { describe, expect, it } from 'vitest'
import { deriveNonceKey, openNonce } from '../shared/hop/digest-nonce'
import { parseMessage, type SipRequest, type SipResponse } from '../shared/sip'
import { digestParams, parseAuthValue } from '../shared/sip/auth-header'
import { fromClient } from './client-inbound'
import type { ProtectedFlowFields } from './protected-flow'
import { type ChallengeSettings, decideChallenge } from './register-challenge'
import { authenticate, harness, register } from './test-support/flow-harness'

const on: ChallengeSettings = { enabled: true, homeDomain: 'example.com', minExpires: 0 }

/** A REGISTER as the edge is about to forward it: `lines` replace or add to the defaults. */
function reg(o: { uri?: string; to?: string; extra?: string[]; contact?: string | null } = {}) {
  const to = o.to ?? '<sip:alice@example.com>'
  const contact =
    o.contact === null ? [] : [`Contact: ${o.contact ?? '<sip:a1@x.invalid;transport=ws>'}`]
  const text = [
    `REGISTER ${o.uri ?? 'sip:example.com'} SIP/2.0`,
    'Via: SIP/2.0/WSS x.invalid;branch=z9hG4bKr1',
    'Max-Forwards: 69',
    `From: ${to};tag=f1`,
    `To: ${to}`,
    'Call-ID: c1',
    'CSeq: 1 REGISTER',
    ...contact,
    'Path: <sip:tok@edge.edgewater.internal;lr;ob>',
    ...(o.extra ?? []),
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n')
  return parseMessage(text) as SipRequest
}

const why = (r: SipRequest, s: ChallengeSettings = on, prot = false) => {
  const d = decideChallenge(r, s, prot)
  return d.challenge ? 'challenge' : d.why
}

describe('which REGISTERs the edge challenges', () => {
  it('challenges one without credentials, binding the nonce to the derived IMPI and To identity', () => {
    expect(decideChallenge(reg(), on, false)).toEqual({
      challenge: true,
      subject: { impi: 'alice@example.com', impu: 'sip:alice@example.com', realm: 'example.com' },
    })
    // A tel URI's IMPI is its number at the home domain (clearwater-interfaces §5.2).
    expect(decideChallenge(reg({ to: '<tel:+16505550001>' }), on, false)).toMatchObject({
      subject: { impi: '16505550001@example.com', impu: 'tel:+16505550001' },
    })
  })

  it('takes the IMPI and realm from credentials without a response (IMS clients send them first)', () => {
    const r = reg({
      extra: [
        'Authorization: Digest username="alice-pi@example.com", realm="other.example", nonce="", uri="sip:example.com", response=""',
      ],
    })
    expect(decideChallenge(r, on, false)).toMatchObject({
      subject: {
        impi: 'alice-pi@example.com',
        impu: 'sip:alice@example.com',
        realm: 'other.example',
      },
    })
  })

  it('challenges an emergency registration, a fetch and a removal of every binding', () => {
    expect(why(reg({ contact: '<sip:a1@x.invalid;transport=ws;sos>' }))).toBe('challenge')
    expect(why(reg({ contact: null }))).toBe('challenge')
    expect(why(reg({ contact: '*', extra: ['Expires: 0'] }))).toBe('challenge')
  })

  it('leaves to Sprout an answer, a protected re-registration, and everything when switched off', () => {
    const answer =
      'Authorization: Digest username="alice@example.com", realm="example.com", nonce="n", uri="sip:example.com", response="0123"'
    expect(why(reg({ extra: [answer] }))).toBe('answer')
    // A second Authorization with a response counts too.
    expect(why(reg({ extra: ['Authorization: Digest username="a@example.com"', answer] }))).toBe(
      'answer'
    )
    expect(why(reg(), on, true)).toBe('integrity-protected')
    expect(why(reg(), { ...on, enabled: false })).toBe('off')
  })

  it('leaves to Sprout what it takes elsewhere or refuses before authenticating', () => {
    expect(why(reg({ extra: ['Route: <sip:sprout.b.edgewater.internal;lr>'] }))).toBe('route')
    expect(why(reg({ uri: 'sip:other.example' }))).toBe('request-uri')
    expect(why(reg({ uri: 'tel:+16505550001' }))).toBe('request-uri')
    expect(why(reg({ to: '<mailto:alice@example.com>' }))).toBe('to-uri')
    expect(why(reg({ contact: '*' }))).toBe('contact')
    expect(why(reg({ contact: '*', extra: ['Expires: 0', 'Contact: <sip:b@x.invalid>'] }))).toBe(
      'contact'
    )
    expect(why(reg({ contact: '<sip:a1@x.invalid>;expires=30' }), { ...on, minExpires: 60 })).toBe(
      'min-expires'
    )
    expect(why(reg({ contact: '<sip:a1@x.invalid>;expires=0' }), { ...on, minExpires: 60 })).toBe(
      'challenge'
    )
    expect(why(reg({ contact: '<sip:a1@x.invalid>;expires=abc' }))).toBe('malformed')
    expect(why(reg({ extra: ['Expires: soon'] }))).toBe('malformed')
    expect(why(reg({ extra: ['Authorization: Digest username="a'] }))).toBe('malformed')
  })
})

describe('the 401 the edge sends', () => {
  it('answers the client with the registrar’s fresh challenge and forwards nothing', async () => {
    const h = harness({ cfg: { registerChallenge: true } })
    await fromClient(h.io, register())
    expect(h.toCore).toEqual([])
    expect(h.toClient).toHaveLength(1)
    const res = parseMessage(h.toClient[0]!) as SipResponse
    expect(res.status).toBe(401)
    expect(res.reason).toBe('Unauthorized')
    // RFC 3261 §8.2.6.2: Via, From, Call-ID and CSeq copied, a To tag added; nothing of the core.
    expect(res.getAllRaw('via')).toEqual(['SIP/2.0/WSS df7jal23ls0d.invalid;branch=z9hG4bKreg1'])
    expect(res.getRaw('from')).toBe('<sip:alice@example.com>;tag=f1')
    expect(res.toTag).toMatch(/^[a-z2-7]{13}$/)
    expect(res.callId).toBe('reg-call')
    expect(res.getRaw('cseq')).toBe('1 REGISTER')
    expect(res.has('path')).toBe(false)
    const [sha, md5] = res.getAllRaw('www-authenticate')
    expect(sha).toMatch(
      /^Digest realm="example.com", nonce="[A-Za-z0-9_-]{48}", opaque="[0-9a-f]{16}", algorithm=SHA-256, qop="auth"$/
    )
    expect(md5).toBe(sha!.replace('algorithm=SHA-256', 'algorithm=MD5'))
    // The nonce is the registrar's: sealed with the key derived from the trusted-zone secret,
    // for this IMPI, To identity and realm, issued now.
    const nonce = digestParams(parseAuthValue(md5!)).nonce!
    const key = await deriveNonceKey(h.io.cfg.hopSecret.secret)
    expect(
      await openNonce(key, nonce, {
        impi: 'alice@example.com',
        impu: 'sip:alice@example.com',
        realm: 'example.com',
      })
    ).toEqual({ ok: true, issuedMs: h.io.now(), forSubject: true })
    // One transaction line, as for any final response crossing the flow.
    expect(h.logged.filter((l) => l.msg === 'sip transaction')).toEqual([
      expect.objectContaining({ method: 'REGISTER', status: 401, callId: 'reg-call' }),
    ])
    // The flow awaits no REGISTER answer: only a 2xx to a forwarded REGISTER teaches it anything.
    expect(h.io.state.pendingRegisters).toEqual([])
  })

  it('mints by the core’s clock when the flow has it (the local cloud’s driven clock)', async () => {
    const h = harness({ cfg: { registerChallenge: true } })
    h.io.coreNow = () => h.io.now() + 125_000
    await fromClient(h.io, register())
    const res = parseMessage(h.toClient[0]!) as SipResponse
    const nonce = digestParams(parseAuthValue(res.getAllRaw('www-authenticate')[0]!)).nonce!
    const opened = await openNonce(await deriveNonceKey(h.io.cfg.hopSecret.secret), nonce, {
      impi: 'alice@example.com',
      impu: 'sip:alice@example.com',
      realm: 'example.com',
    })
    expect(opened).toMatchObject({ ok: true, issuedMs: h.io.now() + 125_000 })
  })

  it('forwards an answer, and a protected flow’s re-registration, to Sprout', async () => {
    const h = harness()
    await authenticate(h)
    h.io.cfg.registerChallenge = true
    await fromClient(
      h.io,
      register([
        'Authorization: Digest username="alice@example.com", realm="example.com", nonce="n", uri="sip:example.com", response="0123", qop=auth, nc=00000001, cnonce="c"',
      ])
    )
    expect(h.toCore).toHaveLength(2)
    // Over TLS, for the IMPI the flow's 200 authenticated: marked tls-yes and sent on.
    const s = h.io.state as typeof h.io.state & ProtectedFlowFields
    s.tls = true
    s.authImpi = 'alice@example.com'
    await fromClient(h.io, register())
    expect(h.toCore).toHaveLength(3)
    expect(h.toCore[2]!.text).toMatch(/integrity-protected="tls-yes"/)
    // The same REGISTER over a plain flow is challenged at the edge.
    delete s.tls
    h.advance(1_000) // the harness's flow takes 3 messages at once, 5 a second
    const before = h.toClient.length
    await fromClient(h.io, register())
    expect(h.toCore).toHaveLength(3)
    expect(h.toClient.slice(before).map((m) => m.split('\r\n')[0])).toEqual([
      'SIP/2.0 401 Unauthorized',
    ])
  })
})
