/**
 * The trunk adapter as a process would run it (trunk-adapter.ts): real UDP, TCP and HTTP sockets
 * on loopback, a stand-in Sprout that records what the adapter posts and checks its signature,
 * and the adapter's settings from the environment (trunk-config.ts).
 */
import { createSocket } from 'node:dgram'
import { createServer, type Server } from 'node:http'
import { connect } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { signRequest, verifySignature } from '../../shared/hop/signature'
import { parseMessage, type SipRequest } from '../../shared/sip'
import { startTrunkAdapter, type TrunkAdapter } from './trunk-adapter'
import { trunkConfigFromEnv } from './trunk-config'

const SECRET = 'trunk-adapter-test-secret-of-32-bytes-or-more'
let sprout: Server
let sproutUrl: string
const posted: Array<{ text: string; signed: boolean }> = []
let adapter: TrunkAdapter

beforeAll(async () => {
  sprout = createServer(async (req, res) => {
    const chunks: Buffer[] = []
    for await (const c of req) chunks.push(c as Buffer)
    const body = new Uint8Array(Buffer.concat(chunks))
    const headers = new Headers()
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers.set(k, v)
    const v = await verifySignature(SECRET, 'POST', `${sproutUrl}${req.url}`, headers, body)
    posted.push({ text: new TextDecoder().decode(body), signed: v.ok })
    res.writeHead(202).end()
  })
  await new Promise<void>((r) => sprout.listen(0, '127.0.0.1', () => r()))
  const port = (sprout.address() as { port: number }).port
  sproutUrl = `http://127.0.0.1:${port}`
  const fn = {
    sprout: sproutUrl,
    dime: sproutUrl,
    homer: sproutUrl,
    ellis: sproutUrl,
    timers: sproutUrl,
  }
  adapter = await startTrunkAdapter(
    trunkConfigFromEnv({
      EDGEWATER_ENV: 'local',
      HOP_SECRET: SECRET,
      FUNCTION_URLS: JSON.stringify({ a: fn, b: fn }),
      EDGE_URL: 'http://127.0.0.1:1',
      TRUNK_HTTP_PORT: '0',
      TRUNK_SIP_PORT: '0',
      TRUNK_PEER: '127.0.0.1:9;transport=udp',
    }),
    () => undefined
  )
})

afterAll(async () => {
  await adapter?.close()
  await new Promise<void>((r) => sprout.close(() => r()))
})

const message = (branch: string, transport: 'UDP' | 'TCP', port: number) => {
  const body = 'hello'
  return [
    'MESSAGE sip:6505550002@example.com SIP/2.0',
    `Via: SIP/2.0/${transport} 127.0.0.1:${port};branch=${branch};rport`,
    'Max-Forwards: 70',
    'From: <sip:+12125550123@pstn.example.net>;tag=t1',
    'To: <sip:6505550002@example.com>',
    `Call-ID: ${branch}@127.0.0.1`,
    'CSeq: 1 MESSAGE',
    'Content-Type: text/plain',
    `Content-Length: ${body.length}`,
    '',
    body,
  ].join('\r\n')
}

const postedFor = async (callId: string): Promise<SipRequest> => {
  for (let i = 0; i < 250; i++) {
    const p = posted.find((x) => x.text.includes(`Call-ID: ${callId}`))
    if (p) {
      expect(p.signed).toBe(true)
      return parseMessage(p.text) as SipRequest
    }
    await new Promise((r) => setTimeout(r, 20))
  }
  throw new Error(`nothing posted for ${callId}`)
}

describe('trunk adapter sockets', () => {
  it('takes a request over UDP and posts it, signed, to the I-CSCF', async () => {
    const udp = createSocket('udp4')
    await new Promise<void>((r) => udp.bind(0, '127.0.0.1', () => r()))
    const port = udp.address().port
    udp.send(message('z9hG4bKudp1', 'UDP', port), adapter.sipPort, '127.0.0.1')
    const req = await postedFor('z9hG4bKudp1@127.0.0.1')
    expect(req.getRaw('route')).toBe('<sip:sprout.a.edgewater.internal;lr;service=icscf>')
    expect(req.vias[1]!.rport).toBe(port)
    udp.close()
  })

  it('takes a request over TCP, framed by Content-Length', async () => {
    const sock = connect(adapter.sipPort, '127.0.0.1')
    await new Promise<void>((r) => sock.once('connect', () => r()))
    const text = message('z9hG4bKtcp1', 'TCP', sock.localPort!)
    // Two writes: the framer puts the message together.
    sock.write(text.slice(0, 40))
    sock.write(text.slice(40))
    const req = await postedFor('z9hG4bKtcp1@127.0.0.1')
    expect(req.vias[1]!.transport).toBe('TCP')
    sock.destroy()
  })

  it('answers GET /healthz, and takes on its hop side only requests signed for its URL', async () => {
    expect((await fetch(adapter.hopUrl.replace(/\/sip$/, '/healthz'))).status).toBe(200)
    const bye = 'BYE sip:x@127.0.0.1 SIP/2.0\r\n\r\n'
    const unsigned = await fetch(adapter.hopUrl, { method: 'POST', body: bye })
    expect(unsigned.status).toBe(401)
    const other = await signRequest(SECRET, 'POST', 'http://127.0.0.1:1/sip', bye)
    expect(
      (await fetch(adapter.hopUrl, { method: 'POST', headers: other, body: bye })).status
    ).toBe(401)
    const junk = 'not sip at all'
    const signed = await signRequest(SECRET, 'POST', adapter.hopUrl, junk)
    expect(
      (await fetch(adapter.hopUrl, { method: 'POST', headers: signed, body: junk })).status
    ).toBe(400)
  })
})

describe('trunk adapter settings (trunk-config.ts)', () => {
  const base = {
    HOP_SECRET: SECRET,
    FUNCTION_URLS: JSON.stringify({
      a: {
        sprout: 'http://s',
        dime: 'http://d',
        homer: 'http://h',
        ellis: 'http://e',
        timers: 'http://t',
      },
      b: {
        sprout: 'http://s',
        dime: 'http://d',
        homer: 'http://h',
        ellis: 'http://e',
        timers: 'http://t',
      },
    }),
    EDGE_URL: 'http://edge',
    TRUNK_PEER: 'gw.example.net:5080;transport=tcp',
  }

  it('reads the peer and the defaults', () => {
    const c = trunkConfigFromEnv(base)
    expect(c.peer).toEqual({ host: 'gw.example.net', port: 5080, transport: 'tcp' })
    expect(c).toMatchObject({ name: 'pstn', httpPort: 8796, sipPort: 5060, trustOrig: false })
  })

  it('reads the addresses the peer may send from, or * for any', () => {
    expect(trunkConfigFromEnv(base).peerSources).toBeUndefined()
    expect(
      trunkConfigFromEnv({ ...base, TRUNK_PEER_SOURCES: '198.51.100.7, 2001:db8::7' }).peerSources
    ).toEqual(['198.51.100.7', '2001:db8::7'])
    expect(trunkConfigFromEnv({ ...base, TRUNK_PEER_SOURCES: '*' }).peerSources).toEqual(['*'])
    expect(() => trunkConfigFromEnv({ ...base, TRUNK_PEER_SOURCES: 'gw.example.net' })).toThrow(
      /TRUNK_PEER_SOURCES/
    )
  })

  it('names the bad setting, and refuses the development hop key outside the local cloud', () => {
    expect(() => trunkConfigFromEnv({ ...base, TRUNK_PEER: 'nowhere' })).toThrow(/TRUNK_PEER/)
    expect(() => trunkConfigFromEnv({ ...base, TRUNK_SIP_PORT: '70000' })).toThrow(/TRUNK_SIP_PORT/)
    expect(() =>
      trunkConfigFromEnv({ ...base, HOP_SECRET: 'dev-hop-secret-change-me-in-production' })
    ).toThrow(/HOP_SECRET/)
  })
})
