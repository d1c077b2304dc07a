/**
 * Issue 14, finding 6 (the edge's part): the edge's resource limits attacked over its real ports on
 * the local cloud. Client responses obey the size limit and need an authenticated flow; WebSocket
 * flows per client address are capped; internal bodies are refused by size before they are read;
 * `/healthz` hits share one fan-out.
 */
import { request } from 'node:http'
import { afterEach, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { type Line, newLine, Phone, until } from '../interop/calls-support'
import { endpoints } from '../support/cloud'
import { WsFlow } from '../support/ws-flow'

const phones: Phone[] = []
const sockets: WebSocket[] = []
afterEach(async () => {
  for (const ws of sockets.splice(0)) ws.terminate()
  await Promise.all(phones.splice(0).map((p) => p.stop()))
})
async function phone(line: Line) {
  const p = await Phone.start(line)
  phones.push(p)
  return p
}

const edgeHost = () => new URL(endpoints().edges.a).host
const uniq = () => crypto.randomUUID().replace(/-/g, '').slice(0, 16)
const TOKEN = /flow=([0-9a-f]{64}\.[0-9a-f]{24})/

function sendRaw(p: Phone, text: string): Promise<void> {
  return (p.ua.transport as unknown as { send(m: string): Promise<void> }).send(text)
}

/** The headers of `raw` (a request as received) named `name`, as whole lines. */
const headerLines = (raw: string, name: string) =>
  raw.split('\r\n').filter((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`))

/** A final response to the request `raw`, with the request's own Vias (RFC 3261 §8.2.6.2). */
function answer(raw: string, extra: string[], toTag = uniq()): string {
  const to = headerLines(raw, 'to')[0]!
  return [
    'SIP/2.0 200 OK',
    ...headerLines(raw, 'via'),
    ...headerLines(raw, 'from'),
    `${to};tag=${toTag}`,
    ...headerLines(raw, 'call-id'),
    ...headerLines(raw, 'cseq'),
    ...extra,
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n')
}

/** The victim messages Mallory; what Mallory received (its Via names the victim's flow). */
async function victimMessagesMallory(victim: Phone, mallory: Phone, body: string) {
  expect((await victim.message(mallory.line.impu, body)).status).toBe(200)
  return until(
    () => mallory.received.find((m) => m.startsWith('MESSAGE ') && m.endsWith(body)),
    10_000,
    'the victim’s MESSAGE'
  )
}

/** A WebSocket to the edge as if Cloudflare had seen it come from `address`. */
function openFrom(address: string): Promise<WebSocket | number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(endpoints().sip.a, 'sip', { headers: { 'CF-Connecting-IP': address } })
    ws.once('open', () => {
      sockets.push(ws)
      resolve(ws)
    })
    ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0))
    ws.once('error', reject)
  })
}

describe('finding 6: client responses', () => {
  it('a flow that never registered cannot relay a response into another flow', async () => {
    const [lv, lm] = await Promise.all([newLine(), newLine()])
    const [victim, mallory] = await Promise.all([phone(lv), phone(lm)])
    const got = await victimMessagesMallory(victim, mallory, 'hello')
    const victimFlow = TOKEN.exec(got)?.[1]
    expect(victimFlow).toBeDefined()

    const anon = await WsFlow.open(endpoints().sip.a)
    const callId = `unauth-${uniq()}`
    anon.send(
      [
        'SIP/2.0 200 OK',
        `Via: SIP/2.0/WSS ${edgeHost()};branch=z9hG4bK${uniq()}`,
        `Via: SIP/2.0/HTTP edge.edgewater.internal;branch=z9hG4bK${uniq()};flow=${victimFlow}`,
        `From: <${lv.impu}>;tag=${uniq()}`,
        `To: <${lm.impu}>;tag=${uniq()}`,
        `Call-ID: ${callId}`,
        'CSeq: 1 MESSAGE',
        'Content-Length: 0',
        '',
        '',
      ].join('\r\n')
    )
    // A routed MESSAGE after it, then the stray response must not have reached the victim.
    await victimMessagesMallory(victim, mallory, 'after the stray response')
    await until(() => victim.received.some((m) => m.includes(callId)), 1_000, 'stray').catch(
      () => undefined
    )
    expect(victim.received.some((m) => m.includes(callId))).toBe(false)
    await anon.close()
  })

  it('an oversize response is dropped, not relayed to the far end', async () => {
    const [lv, lm] = await Promise.all([newLine(), newLine()])
    const [victim, mallory] = await Promise.all([phone(lv), phone(lm)])
    const before = victim.received.length
    const sent = victim.message(lm.impu, 'answer me')
    const got = await until(
      () => mallory.received.find((m) => m.startsWith('MESSAGE ') && m.endsWith('answer me')),
      10_000,
      'the victim’s MESSAGE'
    )
    // Mallory answers first with 70 kB of padding (the limit is 65,536 bytes).
    await sendRaw(mallory, answer(got, [`X-Padding: ${'p'.repeat(70_000)}`]))
    expect((await sent).status).toBe(200)
    await until(
      () => victim.received.slice(before).some((m) => m.includes('X-Padding')),
      1_000,
      'padding'
    ).catch(() => undefined)
    expect(victim.received.slice(before).some((m) => m.includes('X-Padding'))).toBe(false)
  })
})

describe('finding 6: WebSocket flows per client address', () => {
  it('refuses the flow over MAX_FLOWS_PER_ADDRESS (64) from one address, not from another', async () => {
    const address = `198.51.100.${Math.floor(Math.random() * 250) + 1}`
    const opened: WebSocket[] = []
    for (let i = 0; i < 64; i += 16) {
      const batch = await Promise.all(Array.from({ length: 16 }, () => openFrom(address)))
      for (const ws of batch) {
        expect(ws).toBeInstanceOf(WebSocket)
        opened.push(ws as WebSocket)
      }
    }
    expect(await openFrom(address)).toBe(429)
    // Another client is unaffected.
    expect(await openFrom('203.0.113.9')).toBeInstanceOf(WebSocket)
    // A closed flow gives its place back.
    opened[0]!.close()
    const again = await until(
      async () => {
        const r = await openFrom(address)
        return r instanceof WebSocket ? r : undefined
      },
      10_000,
      'a place freed by a closed flow'
    )
    expect(again).toBeInstanceOf(WebSocket)
  })
})

describe('finding 6: internal bodies and /healthz', () => {
  const url = () =>
    `${endpoints().edges.a}/internal/flows/${'ab'.repeat(32)}.${'00'.repeat(12)}/sip`

  it('refuses an internal body over the limit by its declared length, before reading it', async () => {
    const res = await fetch(url(), {
      method: 'POST',
      headers: { 'content-type': 'message/sip' },
      body: 'x'.repeat(300_000),
    })
    expect(res.status).toBe(413)
  })

  it('refuses an internal body over the limit sent without a length, while reading it', async () => {
    // Chunked, no Content-Length: the edge must stop reading at the limit and answer 413 while
    // the sender is still writing.
    const target = new URL(url())
    // The edge answers 413 and stops reading; the runtime may then reset the connection before the
    // client sees the status. Either way it did not read the 4 MiB (today's edge answers 401).
    const outcome = await new Promise<number | 'reset'>((resolve, reject) => {
      const req = request(
        {
          host: target.hostname,
          port: target.port,
          path: target.pathname,
          method: 'POST',
          headers: { 'content-type': 'message/sip', 'transfer-encoding': 'chunked' },
          agent: false,
        },
        (res) => {
          res.resume()
          resolve(res.statusCode ?? 0)
          req.destroy()
        }
      )
      req.on('error', (err: NodeJS.ErrnoException) =>
        err.code === 'ECONNRESET' || err.code === 'EPIPE' ? resolve('reset') : reject(err)
      )
      const chunk = Buffer.alloc(64 * 1024, 'x')
      let n = 0
      const pump = () => {
        // 4 MiB: far past the limit (256 KiB).
        while (n < 64 && !req.destroyed) {
          n++
          if (!req.write(chunk)) return void req.once('drain', pump)
        }
        if (!req.destroyed) req.end()
      }
      pump()
    })
    expect([413, 'reset']).toContain(outcome)
  })

  it('answers concurrent /healthz hits from one check of the functions', async () => {
    const answers = await Promise.all(
      Array.from({ length: 10 }, async () => {
        const r = await fetch(`${endpoints().edges.a}/healthz`)
        return (await r.json()) as { ok: boolean; checkedAt?: number }
      })
    )
    expect(answers.every((a) => a.ok)).toBe(true)
    expect(answers[0]!.checkedAt).toBeTypeOf('number')
    expect(new Set(answers.map((a) => a.checkedAt)).size).toBe(1)
  })
})
