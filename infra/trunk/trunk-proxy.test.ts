/**
 * The trunk adapter's proxy (trunk-proxy.ts) with its I/O faked and a driven clock: routing both
 * ways, the I-CSCF entry, and UDP reliability (retransmissions, Timer B, absorbed repeats).
 */
import { beforeEach, describe, expect, it } from 'vitest'
import type { FunctionUrls } from '../../shared/config/regions'
import { createResolver } from '../../shared/hop/resolver'
import type { HopResult } from '../../shared/hop/sip-over-http'
import { parseMessage, type SipRequest, type SipResponse, tryParseMessage } from '../../shared/sip'
import type { TrunkConfig } from './trunk-config'
import { TrunkProxy } from './trunk-proxy'
import type { PeerTarget } from './trunk-state'

const urls = (r: string): FunctionUrls[keyof FunctionUrls] => ({
  sprout: `http://sprout-${r}`,
  dime: `http://dime-${r}`,
  homer: `http://homer-${r}`,
  ellis: `http://ellis-${r}`,
  timers: `http://timers-${r}`,
})
const cfg: TrunkConfig = {
  name: 'pstn',
  hopSecret: 'x'.repeat(32),
  functionUrls: { a: urls('a'), b: urls('b') },
  edgeUrl: 'http://edge',
  homeRegion: 'a',
  httpHost: '127.0.0.1',
  httpPort: 0,
  sipHost: '127.0.0.1',
  sipPort: 5070,
  publicHost: '192.0.2.1',
  peer: { host: '198.51.100.7', port: 5060, transport: 'udp' },
  trustOrig: false,
  maxMessageBytes: 65_507,
  maxTransactions: 100,
  hopTimeoutMs: 1000,
}
const GW: PeerTarget = { host: '198.51.100.7', port: 5060, transport: 'udp' }

function rig(
  over: Partial<TrunkConfig> = {},
  core: (url: string) => HopResult = () => ({ ok: true })
) {
  let now = 0
  const timers: Array<{ at: number; fn: () => void; live: boolean }> = []
  const toPeer: Array<{ msg: SipRequest | SipResponse; to: PeerTarget }> = []
  const toCore: Array<{ url: string; msg: SipRequest | SipResponse }> = []
  const proxy = new TrunkProxy(
    { ...cfg, ...over },
    createResolver({ functionUrls: cfg.functionUrls, edgeUrl: cfg.edgeUrl }),
    {
      toPeer: (text, to) => {
        // Leniently: a 400 to a malformed request copies its bad header.
        const p = tryParseMessage(text, { validate: false })
        if (p.ok) toPeer.push({ msg: p.value as SipRequest, to })
      },
      toCore: async (url, text) => {
        toCore.push({ url, msg: parseMessage(text) as SipRequest })
        return core(url)
      },
      now: () => now,
      setTimer: (ms, fn) => {
        const t = { at: now + ms, fn, live: true }
        timers.push(t)
        return t
      },
      clearTimer: (h) => {
        ;(h as { live: boolean }).live = false
      },
      log: () => undefined,
    },
    5070
  )
  return {
    proxy,
    toPeer,
    toCore,
    /** Moves the clock on, firing due timers in order. */
    advance(ms: number) {
      const end = now + ms
      for (;;) {
        const next = timers.filter((t) => t.live && t.at <= end).sort((x, y) => x.at - y.at)[0]
        if (!next) break
        now = next.at
        next.live = false
        next.fn()
      }
      now = end
    },
  }
}

const fromSprout = (method = 'INVITE', extra: string[] = []) =>
  [
    `${method} sip:+12125550100@example.com SIP/2.0`,
    'Via: SIP/2.0/HTTP sprout.a.edgewater.internal;branch=z9hG4bKR0123.0.0',
    'Via: SIP/2.0/HTTP edge.edgewater.internal;branch=z9hG4bKedge1;flow=tok',
    'Max-Forwards: 68',
    'Route: <sip:pstn.trunk.edgewater.internal;lr>',
    'Record-Route: <sip:sprout.a.edgewater.internal;lr>',
    'From: <sip:6505550001@example.com>;tag=a1',
    'To: <sip:+12125550100@example.com>',
    'Call-ID: out-1',
    `CSeq: 1 ${method}`,
    ...extra,
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n')

const fromGateway = (method = 'INVITE', branch = 'z9hG4bKgw1', extra: string[] = []) =>
  [
    `${method} sip:6505550002@example.com SIP/2.0`,
    `Via: SIP/2.0/UDP 10.0.0.9:5060;branch=${branch};rport`,
    'Max-Forwards: 70',
    ...extra,
    'From: <sip:+12125550123@pstn.example.net>;tag=g1',
    'To: <sip:6505550002@example.com>',
    'Call-ID: in-1',
    `CSeq: 1 ${method}`,
    'Contact: <sip:gw@198.51.100.7:5060>',
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n')

describe('trunk proxy: core to peer', () => {
  let r: ReturnType<typeof rig>
  beforeEach(() => {
    r = rig()
  })

  it('sends an initial request to the peer with its Via and a double Record-Route', async () => {
    expect(await r.proxy.fromCore(fromSprout())).toBe(202)
    const { msg, to } = r.toPeer[0]!
    expect(to).toEqual(GW)
    const req = msg as SipRequest
    expect(req.has('route')).toBe(false)
    expect(req.topVia.host).toBe('192.0.2.1')
    expect(req.topVia.port).toBe(5070)
    expect(req.getAllRaw('record-route').slice(0, 2)).toEqual([
      '<sip:192.0.2.1:5070;transport=udp;lr>',
      '<sip:pstn.trunk.edgewater.internal;lr>',
    ])
    expect(req.maxForwards).toBe(67)
  })

  it('retransmits an INVITE over UDP until a response, then relays responses along Via', async () => {
    await r.proxy.fromCore(fromSprout())
    r.advance(500 + 1000 + 2000)
    // Timer A: at 0.5, 1.5 and 3.5 s (RFC 3261 §17.1.1.2).
    expect(r.toPeer).toHaveLength(4)
    const inv = r.toPeer[0]!.msg as SipRequest
    const ringing = `SIP/2.0 180 Ringing\r\n${inv.toString().split('\r\n').slice(1).join('\r\n').replace('To: <sip:+12125550100@example.com>', 'To: <sip:+12125550100@example.com>;tag=gw')}`
    await r.proxy.fromPeer(ringing, GW)
    r.advance(10_000)
    expect(r.toPeer).toHaveLength(4)
    const relayed = r.toCore[0]!.msg as SipResponse
    expect(relayed.status).toBe(180)
    expect(relayed.topVia.host).toBe('sprout.a.edgewater.internal')
    expect(r.toCore[0]!.url).toBe('http://sprout-a/sip')
  })

  it('answers 408 upstream when the peer never answers (Timer B)', async () => {
    await r.proxy.fromCore(fromSprout())
    r.advance(32_000)
    const res = r.toCore.at(-1)!.msg as SipResponse
    expect(res.status).toBe(408)
    expect(res.topVia.host).toBe('sprout.a.edgewater.internal')
  })

  it('sends a CANCEL where its INVITE went, on the same branch', async () => {
    await r.proxy.fromCore(fromSprout())
    await r.proxy.fromCore(fromSprout('CANCEL'))
    const [inv, cancel] = [r.toPeer[0]!.msg as SipRequest, r.toPeer.at(-1)!.msg as SipRequest]
    expect(cancel.method).toBe('CANCEL')
    expect(cancel.topVia.branch).toBe(inv.topVia.branch)
  })
})

describe('trunk proxy: peer to core', () => {
  it('answers 100 at once and sends an initial request to the home region’s I-CSCF', async () => {
    const r = rig()
    await r.proxy.fromPeer(fromGateway(), GW)
    expect((r.toPeer[0]!.msg as SipResponse).status).toBe(100)
    const { url, msg } = r.toCore[0]!
    const req = msg as SipRequest
    expect(url).toBe('http://sprout-a/sip')
    expect(req.getAllRaw('route')).toEqual(['<sip:sprout.a.edgewater.internal;lr;service=icscf>'])
    expect(req.topVia.host).toBe('pstn.trunk.edgewater.internal')
    // RFC 3581: where it really came from.
    expect(req.vias[1]!.received).toBe('198.51.100.7')
    expect(req.vias[1]!.rport).toBe(5060)
    expect(req.getAllRaw('record-route')).toEqual([
      '<sip:pstn.trunk.edgewater.internal;lr>',
      '<sip:192.0.2.1:5070;transport=udp;lr>',
    ])
  })

  it('asks for originating handling only when trusted to, and fails over to the other region', async () => {
    const orig = ['Route: <sip:icscf.example.com;lr;orig>']
    const r = rig({}, (url) =>
      url.includes('sprout-a')
        ? { ok: false, sipStatus: 503, reason: 'down', transport: true }
        : { ok: true }
    )
    await r.proxy.fromPeer(fromGateway('MESSAGE', 'z9hG4bKo1', orig), GW)
    expect(r.toCore.map((c) => c.url)).toEqual(['http://sprout-a/sip', 'http://sprout-b/sip'])
    expect((r.toCore[1]!.msg as SipRequest).getRaw('route')).not.toContain('orig')
    const trusted = rig({ trustOrig: true })
    await trusted.proxy.fromPeer(fromGateway('MESSAGE', 'z9hG4bKo2', orig), GW)
    expect((trusted.toCore[0]!.msg as SipRequest).getRaw('route')).toBe(
      '<sip:sprout.a.edgewater.internal;lr;service=icscf;orig>'
    )
  })

  it('removes the identity and charging headers of a peer not trusted with originating handling', async () => {
    const claims = [
      'P-Asserted-Identity: <sip:6505550001@example.com>',
      'P-Served-User: <sip:6505550001@example.com>',
      'P-Charging-Vector: icid-value=forged',
      'P-Charging-Function-Addresses: ccf=evil.example.net',
    ]
    const r = rig()
    await r.proxy.fromPeer(fromGateway('INVITE', 'z9hG4bKp1', claims), GW)
    const up = r.toCore[0]!.msg as SipRequest
    for (const h of [
      'p-asserted-identity',
      'p-served-user',
      'p-charging-vector',
      'p-charging-function-addresses',
    ])
      expect(up.has(h), h).toBe(false)
    expect(up.from.uri).toMatchObject({ user: '+12125550123' })
    // A peer trusted as an IBCF (TRUNK_TRUST_ORIG=1) asserts identities as it places calls.
    const trusted = rig({ trustOrig: true })
    await trusted.proxy.fromPeer(fromGateway('INVITE', 'z9hG4bKp2', claims), GW)
    expect((trusted.toCore[0]!.msg as SipRequest).getRaw('p-asserted-identity')).toBe(
      '<sip:6505550001@example.com>'
    )
  })

  it('takes SIP only from the peer’s addresses (TRUNK_PEER_SOURCES, else TRUNK_PEER)', async () => {
    const stranger: PeerTarget = { host: '203.0.113.66', port: 5060, transport: 'udp' }
    // An INVITE to a PSTN number from anyone would come back out through the BGCF's transit route.
    const r = rig()
    await r.proxy.fromPeer(fromGateway('INVITE', 'z9hG4bKs1'), stranger)
    await r.proxy.fromPeer(fromGateway('OPTIONS', 'z9hG4bKs2'), { ...stranger, transport: 'tcp' })
    expect(r.toCore).toEqual([])
    expect(r.toPeer).toEqual([])
    await r.proxy.fromPeer(fromGateway('INVITE', 'z9hG4bKs3'), GW)
    expect(r.toCore).toHaveLength(1)
    const listed = rig({ peerSources: ['203.0.113.66'] })
    await listed.proxy.fromPeer(fromGateway('OPTIONS', 'z9hG4bKs4'), stranger)
    await listed.proxy.fromPeer(fromGateway('OPTIONS', 'z9hG4bKs5'), GW)
    expect(listed.toCore).toHaveLength(1)
    const any = rig({ peerSources: ['*'] })
    await any.proxy.fromPeer(fromGateway('OPTIONS', 'z9hG4bKs6'), stranger)
    expect(any.toCore).toHaveLength(1)
  })

  it('answers a retransmitted request with the last response and sends nothing upstream', async () => {
    const r = rig()
    await r.proxy.fromPeer(fromGateway('MESSAGE'), GW)
    const up = r.toCore[0]!.msg as SipRequest
    const ok = `SIP/2.0 200 OK\r\n${up.toString().split('\r\n').slice(1).join('\r\n').replace('To: <sip:6505550002@example.com>', 'To: <sip:6505550002@example.com>;tag=b')}`
    expect(await r.proxy.fromCore(ok)).toBe(202)
    expect((r.toPeer.at(-1)!.msg as SipResponse).status).toBe(200)
    await r.proxy.fromPeer(fromGateway('MESSAGE'), GW)
    expect(r.toCore).toHaveLength(1)
    expect((r.toPeer.at(-1)!.msg as SipResponse).status).toBe(200)
    expect(r.toPeer).toHaveLength(2)
  })

  it('refuses REGISTER (405), a malformed request (400) and answers 503 when the hop fails', async () => {
    const r = rig({}, () => ({ ok: false, sipStatus: 503, reason: 'x', transport: false }))
    await r.proxy.fromPeer(fromGateway('REGISTER', 'z9hG4bKr'), GW)
    expect((r.toPeer.at(-1)!.msg as SipResponse).status).toBe(405)
    await r.proxy.fromPeer(
      fromGateway('OPTIONS', 'z9hG4bKm').replace('CSeq: 1 OPTIONS', 'CSeq: x OPTIONS'),
      GW
    )
    expect((r.toPeer.at(-1)!.msg as SipResponse).status).toBe(400)
    await r.proxy.fromPeer(fromGateway('MESSAGE', 'z9hG4bKf'), GW)
    expect((r.toPeer.at(-1)!.msg as SipResponse).status).toBe(503)
  })

  it('retransmits a 2xx to an INVITE until the ACK comes (RFC 3261 §13.3.1.4)', async () => {
    const r = rig()
    await r.proxy.fromPeer(fromGateway(), GW)
    const up = r.toCore[0]!.msg as SipRequest
    const ok = `SIP/2.0 200 OK\r\n${up.toString().split('\r\n').slice(1).join('\r\n').replace('To: <sip:6505550002@example.com>', 'To: <sip:6505550002@example.com>;tag=b')}`
    await r.proxy.fromCore(ok)
    const sent = () =>
      r.toPeer.filter((p) => p.msg.kind === 'response' && p.msg.status === 200).length
    expect(sent()).toBe(1)
    r.advance(500 + 1000)
    expect(sent()).toBe(3)
    await r.proxy.fromPeer(
      fromGateway('ACK', 'z9hG4bKack', [
        'Route: <sip:192.0.2.1:5070;transport=udp;lr>',
        'Route: <sip:pstn.trunk.edgewater.internal;lr>',
        'Route: <sip:sprout.a.edgewater.internal;lr>',
      ]).replace('To: <sip:6505550002@example.com>', 'To: <sip:6505550002@example.com>;tag=b'),
      GW
    )
    r.advance(10_000)
    expect(sent()).toBe(3)
    // The ACK went on along its route set.
    const ack = r.toCore.at(-1)!
    expect((ack.msg as SipRequest).method).toBe('ACK')
    expect(ack.url).toBe('http://sprout-a/sip')
  })
})
