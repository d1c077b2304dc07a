/**
 * The edge's marking of protected flows (protected-flow.ts) through the real flow logic
 * (client-inbound.ts, core-inbound.ts) over a fake FlowIo: `integrity-protected` is the edge's
 * alone, and only an authenticated TLS flow's REGISTER for its own IMPI and identities carries
 * `tls-yes`.
 */
import { describe, expect, it } from 'vitest'
import { parseMessage, type SipRequest } from '../shared/sip'
import { fromClient } from './client-inbound'
import { fromCore } from './core-inbound'
import type { EdgeConfig } from './edge-config'
import type { FlowIo } from './flow-io'
import { newFlowState } from './flow-state'
import { connectionProtected, markProtectedFlow } from './protected-flow'

const TOKEN = `${'ab'.repeat(32)}.${'cd'.repeat(12)}`
const cfg = {
  homeRegion: 'a',
  homeDomain: 'example.com',
  maxMessageBytes: 4000,
  ratePerSecond: 50,
  rateBurst: 50,
  identityGraceMs: 30_000,
} as EdgeConfig

function harness(tls: boolean) {
  const sent: string[] = []
  const state = newFlowState(TOKEN, 'a', cfg.rateBurst, 1_000_000)
  markProtectedFlow(state, tls ? '1' : '0')
  const io: FlowIo = {
    cfg,
    now: () => 1_000_000,
    randomHex: (n) => '7'.repeat(n * 2),
    publicHost: 'edge.example.net:443',
    state,
    toClient: () => {},
    toCore: async (_region, text) => {
      sent.push(text)
      return { ok: true }
    },
    toUrl: async () => ({ ok: true }),
    resolve: () => undefined,
    log: () => {},
  }
  return { io, sent, last: () => parseMessage(sent.at(-1)!) as SipRequest }
}

const CONTACT = '<sip:a1@x.invalid;transport=ws>;+sip.instance="<urn:uuid:1>";reg-id=1'

function register(cseq: number, o: { to?: string; authorization?: string } = {}): string {
  const to = o.to ?? 'sip:alice@example.com'
  return [
    'REGISTER sip:example.com SIP/2.0',
    `Via: SIP/2.0/WSS x.invalid;branch=z9hG4bKr${cseq}`,
    'Max-Forwards: 70',
    `From: <${to}>;tag=f1`,
    `To: <${to}>`,
    'Call-ID: reg-call',
    `CSeq: ${cseq} REGISTER`,
    `Contact: ${CONTACT}`,
    ...(o.authorization ? [`Authorization: ${o.authorization}`] : []),
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n')
}

const answer = (username: string, extra = '') =>
  `Digest username="${username}", realm="example.com", nonce="n1", uri="sip:example.com", response="0123456789abcdef0123456789abcdef", qop=auth, nc=00000001, cnonce="c"${extra}`

/** Sends a REGISTER answered by the core with a 200 naming alice's identities. */
async function authenticate(
  h: ReturnType<typeof harness>,
  authorization = answer('alice@example.com')
) {
  await fromClient(h.io, register(1, { authorization }))
  const fwd = h.last()
  const ok = [
    'SIP/2.0 200 OK',
    ...fwd.getAllRaw('via').map((v) => `Via: ${v}`),
    'From: <sip:alice@example.com>;tag=f1',
    'To: <sip:alice@example.com>;tag=t1',
    'Call-ID: reg-call',
    'CSeq: 1 REGISTER',
    `Contact: ${CONTACT};expires=300`,
    'P-Associated-URI: <sip:alice@example.com>, <tel:+16505550001>',
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n')
  expect(await fromCore(h.io, ok)).toEqual({ status: 202 })
}

const integrity = (r: SipRequest) =>
  r
    .getAllRaw('authorization')
    .map((a) => /integrity-protected="?([^",]*)/i.exec(a)?.[1])
    .filter((v) => v !== undefined)

describe('protected flows at the edge', () => {
  it('marks a re-REGISTER of an authenticated TLS flow for its IMPI, with or without Authorization', async () => {
    const h = harness(true)
    await authenticate(h)
    await fromClient(h.io, register(2, { authorization: answer('alice@example.com') }))
    expect(integrity(h.last())).toEqual(['tls-yes'])
    await fromClient(h.io, register(3))
    const made = h.last().getRaw('authorization')!
    expect(made).toMatch(/username="alice@example\.com"/)
    expect(made).toMatch(/integrity-protected="tls-yes"/)
    // Another identity of the same set is the flow's too.
    await fromClient(h.io, register(4, { to: 'tel:+16505550001' }))
    expect(integrity(h.last())).toEqual(['tls-yes'])
  })

  it('never marks an initial registration, and strips a forged integrity-protected', async () => {
    const h = harness(true)
    await fromClient(
      h.io,
      register(1, { authorization: answer('alice@example.com', ', integrity-protected="tls-yes"') })
    )
    expect(integrity(h.last())).toEqual([])
    expect(h.last().getRaw('authorization')).toMatch(/username="alice@example\.com"/)
  })

  it('never marks another IMPI or an identity the flow did not register, and strips their claims', async () => {
    const h = harness(true)
    await authenticate(h)
    await fromClient(
      h.io,
      register(2, { authorization: answer('bob@example.com', ', integrity-protected="tls-yes"') })
    )
    expect(integrity(h.last())).toEqual([])
    await fromClient(h.io, register(3, { to: 'sip:bob@example.com' }))
    expect(h.last().has('authorization')).toBe(false)
    await fromClient(
      h.io,
      register(4, { to: 'sip:bob@example.com', authorization: answer('alice@example.com') })
    )
    expect(integrity(h.last())).toEqual([])
  })

  it('never marks a flow that is not TLS, and strips what its client claims', async () => {
    const h = harness(false)
    await authenticate(h)
    await fromClient(
      h.io,
      register(2, { authorization: answer('alice@example.com', ', integrity-protected=tls-yes') })
    )
    expect(integrity(h.last())).toEqual([])
    await fromClient(h.io, register(3))
    expect(h.last().has('authorization')).toBe(false)
  })

  it('follows the IMPI of the REGISTER the last 2xx answered', async () => {
    const h = harness(true)
    await authenticate(h, answer('alice-2@example.com'))
    await fromClient(h.io, register(2, { authorization: answer('alice@example.com') }))
    expect(integrity(h.last())).toEqual([])
    await fromClient(h.io, register(3, { authorization: answer('alice-2@example.com') }))
    expect(integrity(h.last())).toEqual(['tls-yes'])
  })
})

describe('which connections are protected', () => {
  const local = { EDGEWATER_ENV: 'local', EDGE_LOOPBACK_TLS: '1' }
  it('is TLS by the URL scheme; ?tls=loopback only with the local-cloud setting', () => {
    expect(connectionProtected({}, new URL('https://edge.example.net/sip'))).toBe(true)
    expect(connectionProtected(local, new URL('http://127.0.0.1:8787/sip'))).toBe(false)
    expect(connectionProtected(local, new URL('http://127.0.0.1:8787/sip?tls=loopback'))).toBe(true)
    expect(connectionProtected({}, new URL('http://127.0.0.1:8787/sip?tls=loopback'))).toBe(false)
    expect(() =>
      connectionProtected(
        { EDGE_LOOPBACK_TLS: '1' },
        new URL('http://edge.example.net/sip?tls=loopback')
      )
    ).toThrow(/local cloud only/)
  })
})
