/**
 * The flow's Durable Object (flow-object.ts) against a fake runtime: it takes its socket with the
 * hibernation API, keeps the order of a client's messages toward the core, hands an inline
 * answer to the client, and, once a message is handled, holds nothing that keeps it awake
 * between messages: no timer and no task in either lane (docs/edge.md, hibernation).
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { SIP_BATCH_CONTENT_TYPE } from '../shared/hop/sip-over-http'
import { parseMessage, type SipRequest } from '../shared/sip'
import { buildResponse } from '../shared/sip/builders'

vi.mock('cloudflare:workers', () => ({
  DurableObject: class {
    constructor(
      readonly ctx: unknown,
      readonly env: unknown
    ) {}
  },
}))

class FakeSocket {
  readonly sent: string[] = []
  readyState = 1
  private att: unknown
  send(text: string) {
    this.sent.push(text)
  }
  serializeAttachment(a: unknown) {
    this.att = structuredClone(a)
  }
  deserializeAttachment() {
    return structuredClone(this.att)
  }
  close() {
    this.readyState = 3
  }
}

const env = {
  EDGEWATER_ENV: 'local',
  HOME_REGION: 'a',
  FUNCTION_URLS: JSON.stringify({
    a: {
      sprout: 'http://sprout-a',
      dime: 'http://d',
      homer: 'http://h',
      ellis: 'http://e',
      timers: 'http://t',
    },
    b: {
      sprout: 'http://sprout-b',
      dime: 'http://d',
      homer: 'http://h',
      ellis: 'http://e',
      timers: 'http://t',
    },
  }),
  HOP_SECRET: 'unit-edge-hop-secret-0123456789',
  FLOW_TOKEN_SECRET: 'unit-edge-flow-token-secret-0123456789',
  HOME_DOMAIN: 'example.com',
  // The REGISTERs here go to the (faked) core, which challenges them (edge/register-challenge.ts).
  EDGE_REGISTER_CHALLENGE: 'off',
}

const register = (cseq: number) =>
  [
    'REGISTER sip:example.com SIP/2.0',
    `Via: SIP/2.0/WSS client.invalid;branch=z9hG4bKr${cseq}`,
    'Max-Forwards: 70',
    'From: <sip:alice@example.com>;tag=f1',
    'To: <sip:alice@example.com>',
    'Call-ID: idle-reg',
    `CSeq: ${cseq} REGISTER`,
    'Contact: <sip:a@client.invalid;transport=ws>',
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n')

let accepted: FakeSocket[]

async function openFlow() {
  const { FlowObject } = await import('./flow-object')
  accepted = []
  const ctx = {
    id: { toString: () => 'ab'.repeat(32) },
    storage: {},
    setWebSocketAutoResponse: vi.fn(),
    acceptWebSocket: (ws: FakeSocket) => accepted.push(ws),
    getWebSockets: () => accepted,
  }
  const flow = new FlowObject(ctx as never, env as never)
  const res = await flow.fetch(new Request('https://flow/connect'))
  return { flow, res, ctx }
}

beforeEach(() => {
  ;(globalThis as Record<string, unknown>).WebSocketPair = class {
    0 = {}
    1 = new FakeSocket()
  }
  ;(globalThis as Record<string, unknown>).WebSocketRequestResponsePair = class {}
  ;(globalThis as { WebSocket?: unknown }).WebSocket ??= { OPEN: 1 }
})

// The runtime answers an upgrade with 101, which Node's Response refuses: stand in for it.
const NodeResponse = globalThis.Response
class RuntimeResponse extends NodeResponse {
  constructor(body?: BodyInit | null, init?: ResponseInit) {
    const upgrade = init?.status === 101
    super(body, upgrade ? { ...init, status: 200 } : init)
    if (upgrade) Object.defineProperty(this, 'status', { value: 101 })
  }
}
globalThis.Response = RuntimeResponse as typeof Response

afterEach(() => {
  vi.restoreAllMocks()
  vi.useRealTimers()
})

describe('a flow object', () => {
  it('takes its socket with the hibernation API and answers keepalives without waking', async () => {
    const { res, ctx } = await openFlow()
    expect(res.status).toBe(101)
    expect(accepted).toHaveLength(1)
    expect(ctx.setWebSocketAutoResponse).toHaveBeenCalledTimes(1)
  })

  it('sends a client’s messages to the core one at a time, in order, and holds nothing once idle', async () => {
    const { flow } = await openFlow()
    vi.useFakeTimers({ toFake: ['setTimeout', 'setInterval', 'clearTimeout', 'clearInterval'] })
    const inFlight: string[] = []
    let most = 0
    const seen: number[] = []
    vi.spyOn(globalThis, 'fetch').mockImplementation(async (_url, init) => {
      expect(new Headers(init?.headers).get('x-edgewater-replies')).toBe('inline')
      const text = String(init?.body)
      const req = parseMessage(text) as SipRequest
      inFlight.push(req.callId)
      most = Math.max(most, inFlight.length)
      seen.push(req.cseq.seq)
      // The first request waits longest at the core.
      for (let i = 0; i < (req.cseq.seq === 1 ? 30 : 1); i++) await Promise.resolve()
      inFlight.pop()
      // Sprout answers inline: the 401 rides on the hop's HTTP answer.
      const challenge = buildResponse(req, 401, { reason: 'Unauthorized', toTag: 'x' })
      return new Response(JSON.stringify({ sip: [challenge.toString()] }), {
        status: 200,
        headers: { 'content-type': SIP_BATCH_CONTENT_TYPE },
      })
    })
    const ws = accepted[0]!
    await Promise.all([1, 2, 3].map((n) => flow.webSocketMessage(ws as never, register(n))))
    expect(seen).toEqual([1, 2, 3])
    expect(most).toBe(1)
    // Each inline 401 reached the client, in order, without the edge being asked again.
    expect(ws.sent.map((m) => /CSeq: (\d+)/.exec(m)?.[1])).toEqual(['1', '2', '3'])
    expect(ws.sent.every((m) => m.startsWith('SIP/2.0 401 '))).toBe(true)
    // Idle: no timer left behind by the hops, nothing queued in either lane.
    expect(vi.getTimerCount()).toBe(0)
    const lanes = flow as unknown as {
      toCoreLane?: { depth: number }
      toClientLane?: { depth: number }
    }
    expect(lanes.toCoreLane?.depth).toBe(0)
    expect(lanes.toClientLane?.depth ?? 0).toBe(0)
  })
})
