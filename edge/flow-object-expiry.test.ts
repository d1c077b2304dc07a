/**
 * The flow's Durable Object keeping its binding's expiry (flow-expiry.ts), against a fake
 * runtime: its REGISTER goes to Sprout with `ew-expiry=flow` on the edge's Via, the 200 arms the
 * object's alarm once, a refresh writes nothing, and the alarm re-arms without a hop. After each
 * message and after the alarm an idle flow holds nothing that keeps it awake: no timer, no
 * storage operation or hop still pending (docs/edge.md, hibernation).
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

const urls = { sprout: 'http://sprout-a', dime: 'http://d', homer: 'http://h', ellis: 'http://e' }
const env = {
  EDGEWATER_ENV: 'local',
  HOME_REGION: 'a',
  FUNCTION_URLS: JSON.stringify({
    a: { ...urls, timers: 'http://t' },
    b: { ...urls, sprout: 'http://sprout-b', timers: 'http://t' },
  }),
  HOP_SECRET: 'unit-edge-hop-secret-0123456789',
  FLOW_TOKEN_SECRET: 'unit-edge-flow-token-secret-0123456789',
  HOME_DOMAIN: 'example.com',
  // The REGISTERs here go to the (faked) core, which challenges them (edge/register-challenge.ts).
  EDGE_REGISTER_CHALLENGE: 'off',
}

const CONTACT = '<sip:a@client.invalid;transport=ws>'
const register = (cseq: number) =>
  [
    'REGISTER sip:example.com SIP/2.0',
    `Via: SIP/2.0/WSS client.invalid;branch=z9hG4bKx${cseq}`,
    'Max-Forwards: 70',
    'From: <sip:alice@example.com>;tag=f1',
    'To: <sip:alice@example.com>',
    'Call-ID: expiry-reg',
    `CSeq: ${cseq} REGISTER`,
    `Contact: ${CONTACT}`,
    'Expires: 300',
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n')

/** A storage that records its operations and counts those not yet settled. */
function fakeStorage() {
  const ops: string[] = []
  let pending = 0
  const op =
    (name: string) =>
    async (...args: unknown[]) => {
      pending++
      ops.push(`${name}${typeof args[0] === 'number' ? '' : ` ${String(args[0] ?? '')}`}`)
      await Promise.resolve()
      pending--
      return undefined
    }
  return {
    ops,
    pending: () => pending,
    storage: {
      setAlarm: op('setAlarm'),
      put: op('put'),
      get: op('get'),
      deleteAll: op('deleteAll'),
      deleteAlarm: op('deleteAlarm'),
    },
  }
}

let accepted: FakeSocket[]

async function openFlow() {
  const { FlowObject } = await import('./flow-object')
  accepted = []
  const store = fakeStorage()
  const ctx = {
    id: { toString: () => 'cd'.repeat(32) },
    storage: store.storage,
    setWebSocketAutoResponse: vi.fn(),
    acceptWebSocket: (ws: FakeSocket) => accepted.push(ws),
    getWebSockets: () => accepted,
  }
  const flow = new FlowObject(ctx as never, env as never)
  await flow.fetch(new Request('https://flow/connect'))
  return { flow, store }
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

describe('a flow object keeping its binding’s expiry', () => {
  it('marks its REGISTER, arms once on the 200, writes nothing on a refresh, re-arms without a hop, and stays idle', async () => {
    const { flow, store } = await openFlow()
    vi.useFakeTimers({ toFake: ['setTimeout', 'setInterval', 'clearTimeout', 'clearInterval'] })
    const hops: string[] = []
    vi.spyOn(globalThis, 'fetch').mockImplementation(async (_url, init) => {
      const req = parseMessage(String(init?.body)) as SipRequest
      hops.push(req.getRaw('via') ?? '')
      const ok = buildResponse(req, 200, {
        toTag: 'r',
        headers: [
          ['Contact', `${CONTACT};expires=300`],
          ['P-Associated-URI', '<sip:alice@example.com>'],
        ],
      })
      return new Response(JSON.stringify({ sip: [ok.toString()] }), {
        status: 200,
        headers: { 'content-type': SIP_BATCH_CONTENT_TYPE },
      })
    })
    const ws = accepted[0]!
    const idle = () => {
      expect(vi.getTimerCount()).toBe(0)
      expect(store.pending()).toBe(0)
    }

    await flow.webSocketMessage(ws as never, register(1))
    expect(ws.sent.at(-1)).toMatch(/^SIP\/2\.0 200 /)
    expect(hops[0]).toMatch(/;ew-expiry=flow/)
    expect(store.ops).toEqual(['put flow-expiry', 'setAlarm'])
    idle()

    await flow.webSocketMessage(ws as never, register(2))
    expect(hops).toHaveLength(2)
    expect(store.ops).toHaveLength(2)
    idle()

    // The alarm, before any expiry passed: re-armed for the known expiry, no hop.
    await flow.alarm()
    expect(hops).toHaveLength(2)
    expect(store.ops).toEqual(['put flow-expiry', 'setAlarm', 'setAlarm'])
    idle()
  })
})
