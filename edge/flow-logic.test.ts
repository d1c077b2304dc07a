/**
 * The flow logic of the edge (client-inbound.ts, core-inbound.ts) against a fake FlowIo: the
 * trust boundary, sanity checks, keepalive-free message handling, registration learning and
 * routing, without a WebSocket or a network.
 */
import { describe, expect, it } from 'vitest'
import type { HopResult } from '../shared/hop/sip-over-http'
import { createLogger } from '../shared/log/logger'
import { parseMessage, type SipRequest, type SipResponse } from '../shared/sip'
import { fromClient } from './client-inbound'
import { fromCore } from './core-inbound'
import type { EdgeConfig } from './edge-config'
import type { FlowIo } from './flow-io'
import { newFlowState } from './flow-state'
import { FlowTransactions } from './flow-transactions'

const TOKEN = `${'ab'.repeat(32)}.${'cd'.repeat(12)}`
const urls = (r: string) =>
  ({
    sprout: `http://sprout-${r}`,
    dime: 'http://d',
    homer: 'http://h',
    ellis: 'http://e',
    timers: 'http://t',
  }) as const
const cfg: EdgeConfig = {
  homeRegion: 'a',
  functionUrls: { a: urls('a'), b: urls('b') },
  hopSecret: { secret: 'x'.repeat(20) },
  flowTokenKeys: 'y'.repeat(20),
  homeDomain: 'example.com',
  maxMessageBytes: 2000,
  ratePerSecond: 5,
  rateBurst: 3,
  identityGraceMs: 30_000,
  upstreamTimeoutMs: 1000,
  breakerOpenMs: 1000,
  dialogTokenLifetimeMs: 3_600_000,
  maxInternalBodyBytes: 4000,
  maxFlowsPerAddress: 4,
  healthCacheMs: 1000,
  flowQueueLimit: 8,
}

function harness(opts: { core?: (region: string, text: string) => HopResult } = {}) {
  let now = 1_000_000
  const toClient: string[] = []
  const toCore: { region: string; text: string }[] = []
  const toUrl: { url: string; text: string }[] = []
  const logged: Record<string, unknown>[] = []
  const txLog = createLogger(
    { component: 'edge' },
    { sink: (line) => logged.push(JSON.parse(line) as Record<string, unknown>) }
  )
  const io: FlowIo = {
    cfg,
    now: () => now,
    randomHex: (n) => '0'.repeat(n * 2),
    publicHost: 'edge.example.net:443',
    state: newFlowState(TOKEN, 'a', cfg.rateBurst, now),
    toClient: (t) => toClient.push(t),
    toCore: async (region, text) => {
      toCore.push({ region, text })
      return opts.core?.(region, text) ?? { ok: true }
    },
    toUrl: async (url, text) => {
      toUrl.push({ url, text })
      return { ok: true }
    },
    resolve: (host, user) =>
      host.startsWith('sprout.')
        ? `http://${host}/sip`
        : host === 'edge.edgewater.internal' && user
          ? `http://edge/internal/flows/${user}/sip`
          : undefined,
    log: () => {},
    transactions: new FlowTransactions(txLog, 'flow-1'),
  }
  return { io, toClient, toCore, toUrl, logged, advance: (ms: number) => (now += ms) }
}

const req = (lines: string[], body = '') =>
  `${lines.join('\r\n')}\r\nContent-Length: ${body.length}\r\n\r\n${body}`

const register = (extra: string[] = []) =>
  req([
    'REGISTER sip:example.com SIP/2.0',
    'Via: SIP/2.0/WSS df7jal23ls0d.invalid;branch=z9hG4bKreg1',
    'Max-Forwards: 70',
    'From: <sip:alice@example.com>;tag=f1',
    'To: <sip:alice@example.com>',
    'Call-ID: reg-call',
    'CSeq: 1 REGISTER',
    'Contact: <sip:a1@df7jal23ls0d.invalid;transport=ws>;+sip.instance="<urn:uuid:00000000-0000-0000-0000-000000000001>";reg-id=1',
    'P-Asserted-Identity: <sip:admin@example.com>',
    'P-Charging-Vector: icid-value=forged',
    ...extra,
  ])

const invite = (extra: string[] = []) =>
  req([
    'INVITE sip:bob@example.com SIP/2.0',
    'Via: SIP/2.0/WSS df7jal23ls0d.invalid;branch=z9hG4bKinv1',
    'Max-Forwards: 70',
    'From: <sip:alice@example.com>;tag=f2',
    'To: <sip:bob@example.com>',
    'Call-ID: inv-call',
    'CSeq: 1 INVITE',
    'Contact: <sip:a1@df7jal23ls0d.invalid;transport=ws;ob>',
    ...extra,
  ])

const parsed = (t: string) => parseMessage(t)

/** Runs a REGISTER through and answers it with a 200 from the core, authenticating the flow. */
async function authenticate(h: ReturnType<typeof harness>) {
  await fromClient(h.io, register())
  const fwd = parsed(h.toCore.at(-1)!.text) as SipRequest
  const ok = req([
    'SIP/2.0 200 OK',
    ...fwd.getAllRaw('via').map((v) => `Via: ${v}`),
    'From: <sip:alice@example.com>;tag=f1',
    'To: <sip:alice@example.com>;tag=t1',
    'Call-ID: reg-call',
    'CSeq: 1 REGISTER',
    'Contact: <sip:a1@df7jal23ls0d.invalid;transport=ws>;+sip.instance="<urn:uuid:00000000-0000-0000-0000-000000000001>";reg-id=1;expires=300',
    `Path: <sip:${TOKEN}@edge.edgewater.internal;lr;ob>`,
    'Service-Route: <sip:sprout.b.edgewater.internal;lr;orig>',
    'P-Associated-URI: <sip:alice@example.com>, <tel:+16505550001>',
  ])
  expect(await fromCore(h.io, ok)).toEqual({ status: 202 })
}

describe('requests from a client', () => {
  it('forwards REGISTER to the home Sprout with Path (ob), the edge Via, and forged headers removed', async () => {
    const h = harness()
    await fromClient(h.io, register())
    expect(h.toCore).toHaveLength(1)
    expect(h.toCore[0]!.region).toBe('a')
    const fwd = parsed(h.toCore[0]!.text) as SipRequest
    expect(fwd.getRaw('path')).toBe(`<sip:${TOKEN}@edge.edgewater.internal;lr;ob>`)
    expect(fwd.topVia.host).toBe('edge.edgewater.internal')
    expect(fwd.topVia.params.find((p) => p.name === 'flow')?.value).toBe(TOKEN)
    expect(fwd.has('p-asserted-identity')).toBe(false)
    expect(fwd.has('p-charging-vector')).toBe(false)
    expect(fwd.maxForwards).toBe(69)
  })

  it('refuses anything but REGISTER before the flow is authenticated (403)', async () => {
    const h = harness()
    await fromClient(h.io, invite())
    expect(h.toCore).toHaveLength(0)
    const res = parsed(h.toClient[0]!) as SipResponse
    expect(res.status).toBe(403)
    expect(res.callId).toBe('inv-call')
  })

  it('answers OPTIONS addressed to the edge itself', async () => {
    const h = harness()
    await fromClient(
      h.io,
      req([
        'OPTIONS sip:edge.example.net:443 SIP/2.0',
        'Via: SIP/2.0/WSS x.invalid;branch=z9hG4bKo',
        'Max-Forwards: 70',
        'From: <sip:a@example.com>;tag=1',
        'To: <sip:edge.example.net>',
        'Call-ID: o1',
        'CSeq: 1 OPTIONS',
      ])
    )
    expect((parsed(h.toClient[0]!) as SipResponse).status).toBe(200)
    expect(h.toCore).toHaveLength(0)
  })

  it.each([
    ['Max-Forwards 1 → 483', invite().replace('Max-Forwards: 70', 'Max-Forwards: 1'), 483],
    ['Proxy-Require → 420', invite(['Proxy-Require: foo']), 420],
    [
      'unsupported scheme → 416',
      invite().replace('INVITE sip:bob@example.com', 'INVITE http://bob.example.com/'),
      416,
    ],
    [
      'a malformed Via → 400',
      invite().replace(
        'Via: SIP/2.0/WSS df7jal23ls0d.invalid;branch=z9hG4bKinv1',
        'Via: SIP/2.0/WSS df7jal23ls0d.invalid;branch=z9hG4bKinv1, garbage here'
      ),
      400,
    ],
  ])('%s', async (_name, text, status) => {
    const h = harness()
    await authenticate(h)
    h.toClient.length = 0
    await fromClient(h.io, text)
    // The answer echoes the request's own Via (RFC 3261 §8.2.6.2), malformed or not: read its
    // status line rather than parse it.
    expect(h.toClient[0]!.split('\r\n')[0]).toMatch(new RegExp(`^SIP/2\\.0 ${status} `))
    if (status === 400) expect(h.toClient[0]).toMatch(/^SIP\/2\.0 400 Bad Via header/)
    if (status === 420) expect(h.toClient[0]).toContain('\r\nUnsupported: foo\r\n')
    expect(h.toCore).toHaveLength(1) // only the REGISTER that authenticated the flow
  })

  it('answers an oversize request with 513 and drops garbage, keeping the flow usable', async () => {
    const h = harness()
    await fromClient(h.io, invite([`X-Padding: ${'p'.repeat(3000)}`]))
    expect((parsed(h.toClient[0]!) as SipResponse).status).toBe(513)
    await fromClient(h.io, 'this is not SIP at all\r\n\r\n')
    expect(h.toClient).toHaveLength(1)
    await fromClient(h.io, register())
    expect(h.toCore).toHaveLength(1)
  })

  it('rate-limits a flow with 503 and Retry-After', async () => {
    const h = harness()
    for (let i = 0; i < 3; i++) await fromClient(h.io, register())
    await fromClient(h.io, register())
    const res = parsed(h.toClient.at(-1)!) as SipResponse
    expect(res.status).toBe(503)
    expect(res.getRaw('retry-after')).toBe('1')
    h.advance(1000)
    await fromClient(h.io, register())
    expect(h.toCore).toHaveLength(4)
  })

  it('answers the client with the mapped status when the core cannot be reached', async () => {
    const h = harness({
      core: () => ({ ok: false, sipStatus: 503, reason: 'down', transport: true }),
    })
    await fromClient(h.io, register())
    const res = parsed(h.toClient[0]!) as SipResponse
    expect(res.status).toBe(503)
    expect(res.vias).toHaveLength(1)
    expect(res.topVia.branch).toBe('z9hG4bKreg1')
  })
})

describe('after registration', () => {
  it('learns identities and Service-Route, asserts identity, preloads the route and double Record-Routes', async () => {
    const h = harness()
    await authenticate(h)
    const toClient = parsed(h.toClient.at(-1)!) as SipResponse
    expect(toClient.status).toBe(200)
    expect(toClient.vias).toHaveLength(1)
    expect(toClient.has('path')).toBe(false)
    expect(h.io.state.identities).toEqual(['sip:alice@example.com', 'tel:+16505550001'])

    await fromClient(
      h.io,
      invite(['P-Preferred-Identity: <tel:+16505550001>', 'Route: <sip:somewhere.else.example>'])
    )
    const sent = h.toCore.at(-1)!
    expect(sent.region).toBe('b') // the Service-Route names region b's S-CSCF
    const fwd = parsed(sent.text) as SipRequest
    expect(fwd.getRaw('p-asserted-identity')).toBe('<tel:+16505550001>')
    expect(fwd.has('p-preferred-identity')).toBe(false)
    expect(fwd.getAllRaw('route')).toEqual(['<sip:sprout.b.edgewater.internal;lr;orig>'])
    const [core, client] = fwd.getAllRaw('record-route')
    // The token in the Record-Route is scoped to this dialog (Call-ID) with an expiry.
    expect(core).toMatch(
      new RegExp(
        `^<sip:${TOKEN.replace('.', '\\.')}\\.[0-9a-z]+\\.[0-9a-f]{24}@edge\\.edgewater\\.internal;lr>$`
      )
    )
    expect(client).toBe(
      core!.replace('edge.edgewater.internal;lr', 'edge.example.net:443;transport=ws;lr')
    )
    expect(fwd.getRaw('p-charging-vector')).toMatch(
      /^icid-value=0+;icid-generated-at=edge\.example\.net:443;orig-ioi=example\.com$/
    )
  })

  it('refuses a P-Preferred-Identity the flow did not register (403)', async () => {
    const h = harness()
    await authenticate(h)
    await fromClient(h.io, invite(['P-Preferred-Identity: <sip:mallory@example.com>']))
    expect((parsed(h.toClient.at(-1)!) as SipResponse).status).toBe(403)
  })

  it('ends authentication when the registration expires or is removed', async () => {
    const h = harness()
    await authenticate(h)
    h.advance(300_000 + 30_001)
    await fromClient(h.io, invite())
    expect((parsed(h.toClient.at(-1)!) as SipResponse).status).toBe(403)
  })
})

describe('messages from the core', () => {
  it('delivers a request with the client-facing Via and Record-Route and without core-private headers', async () => {
    const h = harness()
    const out = await fromCore(
      h.io,
      req([
        'INVITE sip:a1@df7jal23ls0d.invalid;transport=ws SIP/2.0',
        'Via: SIP/2.0/HTTP sprout.a.edgewater.internal;branch=z9hG4bKs1',
        `Route: <sip:${TOKEN}@edge.edgewater.internal;lr>`,
        'Max-Forwards: 68',
        'From: <sip:bob@example.com>;tag=b1',
        'To: <sip:alice@example.com>',
        'Call-ID: c9',
        'CSeq: 1 INVITE',
        'P-Served-User: <sip:alice@example.com>;sescase=term',
        'P-Charging-Vector: icid-value=1',
      ])
    )
    expect(out).toEqual({ status: 202 })
    const got = parsed(h.toClient[0]!) as SipRequest
    expect(got.has('route')).toBe(false)
    expect(got.has('p-served-user')).toBe(false)
    expect(got.has('p-charging-vector')).toBe(false)
    expect(got.topVia.transport).toBe('WSS')
    expect(got.getAllRaw('record-route')[0]).toMatch(
      new RegExp(
        `^<sip:${TOKEN.replace('.', '\\.')}\\.[0-9a-z]+\\.[0-9a-f]{24}@edge\\.example\\.net:443;transport=ws;lr>$`
      )
    )
  })

  it('routes the client’s response back along the next Via', async () => {
    const h = harness()
    await authenticate(h)
    h.toClient.length = 0
    await fromCore(
      h.io,
      req([
        'MESSAGE sip:a1@x.invalid SIP/2.0',
        'Via: SIP/2.0/HTTP sprout.a.edgewater.internal;branch=z9hG4bKs2',
        'Max-Forwards: 68',
        'From: <sip:bob@example.com>;tag=b1',
        'To: <sip:alice@example.com>',
        'Call-ID: m1',
        'CSeq: 1 MESSAGE',
      ])
    )
    const delivered = parsed(h.toClient[0]!) as SipRequest
    const answer = req([
      'SIP/2.0 200 OK',
      ...delivered.getAllRaw('via').map((v) => `Via: ${v}`),
      'From: <sip:bob@example.com>;tag=b1',
      'To: <sip:alice@example.com>;tag=a9',
      'Call-ID: m1',
      'CSeq: 1 MESSAGE',
    ])
    await fromClient(h.io, answer)
    expect(h.toUrl).toHaveLength(1)
    expect(h.toUrl[0]!.url).toBe('http://sprout.a.edgewater.internal/sip')
    expect((parsed(h.toUrl[0]!.text) as SipResponse).vias.map((v) => v.host)).toEqual([
      'sprout.a.edgewater.internal',
    ])
  })

  it('keeps the client’s 100 Trying at the edge unless the next Via asks for it (lv)', async () => {
    const relayed = async (via: string) => {
      const h = harness()
      await authenticate(h)
      h.toClient.length = 0
      await fromCore(
        h.io,
        req([
          'INVITE sip:a1@x.invalid SIP/2.0',
          `Via: ${via}`,
          'Max-Forwards: 68',
          'From: <sip:bob@example.com>;tag=b1',
          'To: <sip:alice@example.com>',
          'Call-ID: i100',
          'CSeq: 1 INVITE',
          'Contact: <sip:bob@192.0.2.9>',
        ])
      )
      const delivered = parsed(h.toClient[0]!) as SipRequest
      for (const status of ['100 Trying', '180 Ringing'])
        await fromClient(
          h.io,
          req([
            `SIP/2.0 ${status}`,
            ...delivered.getAllRaw('via').map((v) => `Via: ${v}`),
            'From: <sip:bob@example.com>;tag=b1',
            `To: <sip:alice@example.com>${status.startsWith('100') ? '' : ';tag=a9'}`,
            'Call-ID: i100',
            'CSeq: 1 INVITE',
          ])
        )
      return h.toUrl.map((u) => (parsed(u.text) as SipResponse).status)
    }
    expect(await relayed('SIP/2.0/HTTP sprout.a.edgewater.internal;branch=z9hG4bKs3')).toEqual([
      180,
    ])
    expect(await relayed('SIP/2.0/HTTP sprout.a.edgewater.internal;branch=z9hG4bKs4;lv')).toEqual([
      100, 180,
    ])
  })

  it('refuses a response that does not carry this flow’s Via', async () => {
    const h = harness()
    const out = await fromCore(
      h.io,
      req([
        'SIP/2.0 200 OK',
        'Via: SIP/2.0/HTTP edge.edgewater.internal;branch=z9hG4bKx;flow=someone-else',
        'From: <sip:a@example.com>;tag=1',
        'To: <sip:a@example.com>;tag=2',
        'Call-ID: z',
        'CSeq: 1 REGISTER',
      ])
    )
    expect(out.status).toBe(400)
    expect(h.toClient).toHaveLength(0)
  })
})

describe('the trust boundary against forged responses and borrowed tokens', () => {
  const okFor = (vias: string[], extra: string[] = []) =>
    req([
      'SIP/2.0 200 OK',
      ...vias.map((v) => `Via: ${v}`),
      'From: <sip:alice@example.com>;tag=f1',
      'To: <sip:alice@example.com>;tag=t1',
      'Call-ID: reg-call',
      'CSeq: 1 REGISTER',
      'Contact: <sip:a1@df7jal23ls0d.invalid;transport=ws>;+sip.instance="<urn:uuid:00000000-0000-0000-0000-000000000001>";reg-id=1;expires=300',
      ...extra,
    ])

  it('answers an INVITE 100 Trying itself, then hands the client what Sprout answered inline', async () => {
    let answered: string | undefined
    const h = harness({
      core: (_region, text) => {
        const fwd = parsed(text) as SipRequest
        if (fwd.method !== 'INVITE') return { ok: true }
        answered = req([
          'SIP/2.0 486 Busy Here',
          ...fwd.getAllRaw('via').map((v) => `Via: ${v}`),
          'From: <sip:alice@example.com>;tag=i1',
          'To: <sip:bob@example.com>;tag=b9',
          `Call-ID: ${fwd.callId}`,
          'CSeq: 1 INVITE',
        ])
        return { ok: true, messages: [answered] }
      },
    })
    await authenticate(h)
    const before = h.toClient.length
    await fromClient(h.io, invite())
    const sent = h.toClient.slice(before)
    expect(sent.map((m) => m.split('\r\n')[0])).toEqual([
      'SIP/2.0 100 Trying',
      'SIP/2.0 486 Busy Here',
    ])
    // The client's own Via only: the edge's was popped from the inline answer.
    expect(sent[1]).not.toContain('edge.edgewater.internal')
    expect(answered).toContain('edge.edgewater.internal')
  })

  it('drops a provisional response that arrives after its transaction’s final one', async () => {
    const h = harness()
    await authenticate(h)
    const answer = (status: string, branch: string) =>
      req([
        `SIP/2.0 ${status}`,
        `Via: SIP/2.0/HTTP edge.edgewater.internal;branch=${branch};flow=${TOKEN}`,
        'Via: SIP/2.0/WSS df7jal23ls0d.invalid;branch=z9hG4bKinv1',
        'From: <sip:alice@example.com>;tag=f1',
        'To: <sip:bob@example.com>;tag=b1',
        'Call-ID: late-1',
        'CSeq: 1 INVITE',
      ])
    const before = h.toClient.length
    await fromCore(h.io, answer('200 OK', 'z9hG4bKe1'))
    await fromCore(h.io, answer('180 Ringing', 'z9hG4bKe1'))
    await fromCore(h.io, answer('180 Ringing', 'z9hG4bKe2'))
    // A 100 is hop by hop: the edge sent the client its own when it took the INVITE.
    await fromCore(h.io, answer('100 Trying', 'z9hG4bKe3'))
    expect(h.toClient.slice(before).map((m) => m.split('\r\n')[0])).toEqual([
      'SIP/2.0 200 OK',
      'SIP/2.0 180 Ringing',
    ])
    expect(h.toClient.at(-1)).toContain('z9hG4bKinv1')
  })

  it('learns nothing from a REGISTER 2xx whose edge branch this flow did not send', async () => {
    const h = harness()
    await authenticate(h)
    const forged = okFor(
      [`SIP/2.0/HTTP edge.edgewater.internal;branch=z9hG4bKnotours;flow=${TOKEN}`],
      ['P-Associated-URI: <sip:victim@example.com>']
    )
    expect(await fromCore(h.io, forged)).toEqual({ status: 202 })
    expect(h.io.state.identities).toEqual(['sip:alice@example.com', 'tel:+16505550001'])
  })

  it('forgets the +sip.instance of an earlier REGISTER', async () => {
    const h = harness()
    await authenticate(h)
    expect(h.io.state.instance).toBe('<urn:uuid:00000000-0000-0000-0000-000000000001>')
    await fromClient(h.io, register().replace(/;\+sip\.instance="[^"]*";reg-id=1/, ''))
    expect(h.io.state.instance).toBeUndefined()
  })

  const messageFromCore = (callId: string, extra: string[] = []) =>
    req([
      'MESSAGE sip:a1@x.invalid SIP/2.0',
      'Via: SIP/2.0/HTTP sprout.a.edgewater.internal;branch=z9hG4bKs3',
      ...extra,
      'Max-Forwards: 68',
      'From: <sip:bob@example.com>;tag=b1',
      'To: <sip:alice@example.com>',
      `Call-ID: ${callId}`,
      'CSeq: 1 MESSAGE',
    ])

  it('drops a client response that is forged, oversize, or on an unauthenticated flow', async () => {
    const fresh = harness()
    await fromCore(fresh.io, messageFromCore('m2'))
    const delivered = parsed(fresh.toClient[0]!) as SipRequest
    const answer = (vias: readonly string[], pad = '') =>
      req([
        'SIP/2.0 200 OK',
        ...vias.map((v) => `Via: ${v}`),
        'From: <sip:bob@example.com>;tag=b1',
        'To: <sip:alice@example.com>;tag=a9',
        'Call-ID: m2',
        'CSeq: 1 MESSAGE',
        ...(pad ? [`X-Padding: ${pad}`] : []),
      ])
    const genuine = delivered.getAllRaw('via')
    await fromClient(fresh.io, answer(genuine))
    expect(fresh.toUrl).toHaveLength(0) // not authenticated

    const h = harness()
    await authenticate(h)
    await fromCore(h.io, messageFromCore('m2'))
    const vias = (parsed(h.toClient.at(-1)!) as SipRequest).getAllRaw('via')
    await fromClient(h.io, answer(vias, 'p'.repeat(3000)))
    const forgedPair = [
      vias[0]!,
      `SIP/2.0/HTTP edge.edgewater.internal;branch=z9hG4bKx;flow=${TOKEN}`,
    ]
    await fromClient(h.io, answer(forgedPair))
    expect(h.toUrl).toHaveLength(0)
    await fromClient(h.io, answer(vias))
    expect(h.toUrl).toHaveLength(1)
  })

  it('lets an in-dialog request in only through a Record-Route token scoped to its dialog', async () => {
    const h = harness()
    await authenticate(h)
    await fromCore(
      h.io,
      req([
        'INVITE sip:a1@x.invalid SIP/2.0',
        'Via: SIP/2.0/HTTP sprout.a.edgewater.internal;branch=z9hG4bKs4',
        'Max-Forwards: 68',
        'From: <sip:bob@example.com>;tag=b1',
        'To: <sip:alice@example.com>',
        'Call-ID: dlg-1',
        'CSeq: 1 INVITE',
      ])
    )
    const rr = (parsed(h.toClient.at(-1)!) as SipRequest).getAllRaw('record-route')[1]!
    const scoped = /<sip:([^@]+)@/.exec(rr)![1]!
    const inDialog = (callId: string, token: string) =>
      req([
        'BYE sip:a1@x.invalid SIP/2.0',
        'Via: SIP/2.0/HTTP sprout.a.edgewater.internal;branch=z9hG4bKs5',
        `Route: <sip:${token}@edge.edgewater.internal;lr>`,
        'Max-Forwards: 68',
        'From: <sip:bob@example.com>;tag=b1',
        'To: <sip:alice@example.com>;tag=a1',
        `Call-ID: ${callId}`,
        'CSeq: 2 BYE',
      ])
    const before = h.toClient.length
    for (const [callId, token] of [
      ['dlg-1', TOKEN],
      ['dlg-2', scoped],
    ] as const) {
      const out = await fromCore(h.io, inDialog(callId, token))
      expect(out.status).toBe(202)
      // The refusal goes back through the core after the delivery lane is free (core-inbound.ts).
      expect(h.toUrl).toHaveLength(callId === 'dlg-1' ? 0 : 1)
      if (out.status === 202) await out.followUp?.()
      const refusal = parsed(h.toUrl.at(-1)!.text) as SipResponse
      expect(h.toUrl.at(-1)!.url).toBe('http://sprout.a.edgewater.internal/sip')
      expect(refusal.status).toBe(403)
      expect(refusal.callId).toBe(callId)
    }
    expect(h.toClient).toHaveLength(before)
    await fromCore(h.io, inDialog('dlg-1', scoped))
    expect(h.toClient).toHaveLength(before + 1)
    h.advance(cfg.dialogTokenLifetimeMs + 1000)
    h.io.state.authUntil = Number.POSITIVE_INFINITY
    const late = await fromCore(h.io, inDialog('dlg-1', scoped))
    if (late.status === 202) await late.followUp?.()
    expect(h.toClient).toHaveLength(before + 1)
    expect((parsed(h.toUrl.at(-1)!.text) as SipResponse).status).toBe(403)
  })
})

describe('one log line per transaction (docs/operations.md#logs)', () => {
  const lines = (h: ReturnType<typeof harness>) =>
    h.logged.filter((l) => l.msg === 'sip transaction')

  it('logs the core’s final answer to a client request, with the time since the request', async () => {
    const h = harness()
    await fromClient(h.io, register())
    h.advance(42)
    const fwd = parsed(h.toCore.at(-1)!.text) as SipRequest
    const unauthorized = req([
      'SIP/2.0 401 Unauthorized',
      ...fwd.getAllRaw('via').map((v) => `Via: ${v}`),
      'From: <sip:alice@example.com>;tag=f1',
      'To: <sip:alice@example.com>;tag=t1',
      'Call-ID: reg-call',
      'CSeq: 1 REGISTER',
      'WWW-Authenticate: Digest realm="example.com", nonce="n1"',
    ])
    expect(await fromCore(h.io, unauthorized)).toEqual({ status: 202 })
    expect(lines(h)).toEqual([
      expect.objectContaining({
        component: 'edge',
        callId: 'reg-call',
        cseq: 1,
        method: 'REGISTER',
        status: 401,
        flow: 'flow-1',
        ms: 42,
      }),
    ])
  })

  it('logs the edge’s own final answer, and nothing for a provisional or an ACK', async () => {
    const h = harness()
    await fromClient(h.io, invite())
    expect(lines(h)).toEqual([
      expect.objectContaining({ callId: 'inv-call', method: 'INVITE', status: 403, ms: 0 }),
    ])
    await fromClient(
      h.io,
      req([
        'ACK sip:bob@example.com SIP/2.0',
        'Via: SIP/2.0/WSS df7jal23ls0d.invalid;branch=z9hG4bKinv1',
        'Max-Forwards: 70',
        'From: <sip:alice@example.com>;tag=f2',
        'To: <sip:bob@example.com>;tag=x',
        'Call-ID: inv-call',
        'CSeq: 1 ACK',
      ])
    )
    expect(lines(h)).toHaveLength(1)
  })
})
