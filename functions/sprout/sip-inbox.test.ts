/**
 * Sprout's `/sip` inbox (sip-inbox.ts) with a fake handler: a flow that asks for inline answers
 * gets the answer to its request in the HTTP answer (200, a SIP batch), anyone else gets 202 and
 * the answer as a hop of its own; and the hop is answered only after the work the message
 * caused is done (docs/internal-hop.md, order).
 */
import { Hono } from 'hono'
import { describe, expect, it } from 'vitest'
import { parseInlineAnswer, SIP_BATCH_CONTENT_TYPE } from '../../shared/hop/sip-over-http'
import type { FunctionBindings } from '../../shared/http/function-app'
import { respondTo } from './sip-build'
import type { SipHandlers } from './sip-handlers'
import { sipInbox } from './sip-inbox'
import type { SproutDeps } from './sprout-deps'

const TOKEN = `${'ab'.repeat(32)}.${'cd'.repeat(12)}`
const options = [
  'OPTIONS sip:bob@example.com SIP/2.0',
  `Via: SIP/2.0/HTTP edge.edgewater.internal;branch=z9hG4bKe1;flow=${TOKEN}`,
  'Via: SIP/2.0/WSS client.invalid;branch=z9hG4bKc1',
  'Max-Forwards: 69',
  'From: <sip:alice@example.com>;tag=a1',
  'To: <sip:bob@example.com>',
  'Call-ID: inbox-1',
  'CSeq: 1 OPTIONS',
  'Content-Length: 0',
  '',
  '',
].join('\r\n')

function harness() {
  const log: string[] = []
  const quiet = { debug() {}, info() {}, warn() {}, error() {} }
  const handlers: SipHandlers = {
    requests: [
      {
        name: 'fake',
        accepts: () => true,
        async handle(req, deps) {
          await deps.sender.respond(respondTo(req, 200, 'OK'))
          // Work that follows the answer, as the registrar's NOTIFYs do.
          deps.defer(async () => {
            await new Promise((r) => setTimeout(r, 20))
            log.push('deferred work done')
          })
        },
      },
    ],
    responses: [],
  }
  const factory = () =>
    ({
      config: { SIP_SETTLE_MS: 1000 },
      clock: { now: () => 0 },
      log: quiet,
      vellum: {
        roundTrips: { snapshot: () => ({ depth: 0, calls: 0, byStore: {}, records: [] }) },
      },
      sender: {
        respond: async () => {
          log.push('answer posted')
          return { ok: true }
        },
        request: async () => ({ ok: true }),
      },
    }) as unknown as SproutDeps
  const app = new Hono<FunctionBindings>()
  app.use(async (c, next) => {
    c.set('services', { log: quiet } as never)
    await next()
  })
  app.post('/sip', sipInbox(factory, handlers))
  const post = async (headers: Record<string, string> = {}) => {
    const res = await app.request('/sip', { method: 'POST', body: options, headers })
    log.push(`hop answered ${res.status}`)
    return res
  }
  return { post, log }
}

describe('the /sip inbox', () => {
  it('answers a flow that asks inline with its SIP answer in the HTTP answer, after the work it caused', async () => {
    const h = harness()
    const res = await h.post({ 'x-edgewater-replies': 'inline' })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe(SIP_BATCH_CONTENT_TYPE)
    const sip = parseInlineAnswer(await res.text())
    expect(sip?.map((m) => m.split('\r\n')[0])).toEqual(['SIP/2.0 200 OK'])
    expect(h.log).toEqual(['deferred work done', 'hop answered 200'])
  })

  it('posts the answer as a hop of its own for any other sender, and answers 202 after the work', async () => {
    const h = harness()
    const res = await h.post()
    expect(res.status).toBe(202)
    expect(h.log).toEqual(['answer posted', 'deferred work done', 'hop answered 202'])
  })
})
