import { describe, expect, it } from 'vitest'
import { parseMessage, type SipRequest, type SipResponse } from '../../shared/sip'
import { SipError } from '../../shared/sip/errors'
import { answerSipError, takeOwnRoutes } from './sip-handlers'
import type { SproutDeps } from './sprout-deps'

const request = (method: string, routes: string[] = []) =>
  parseMessage(
    [
      `${method} sip:bob@example.com SIP/2.0`,
      'Via: SIP/2.0/HTTP edge.edgewater.internal;branch=z9hG4bKabc',
      ...routes.map((r) => `Route: ${r}`),
      'From: <sip:alice@example.com>;tag=1',
      'To: <sip:bob@example.com>',
      'Call-ID: c1',
      `CSeq: 1 ${method}`,
      'Max-Forwards: 70',
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n')
  ) as SipRequest

function fakeDeps() {
  const sent: SipResponse[] = []
  const logged: string[] = []
  const deps = {
    sender: {
      respond: async (r: SipResponse) => {
        sent.push(r)
        return { ok: true }
      },
    },
    log: { error: (m: string) => logged.push(m) },
  } as unknown as SproutDeps
  return { deps, sent, logged }
}

describe('answerSipError', () => {
  it('answers a SipError with its status, its headers and Retry-After (RFC 3261 §20.33)', async () => {
    const { deps, sent } = fakeDeps()
    const err = new SipError(503, 'Service Unavailable', {
      retryAfter: 7,
      headers: [['Warning', '399 sprout "busy"']],
    })
    await answerSipError(request('INVITE'), err, deps, 'routing')
    expect(sent).toHaveLength(1)
    expect(sent[0]?.status).toBe(503)
    expect(sent[0]?.getRaw('retry-after')).toBe('7')
    expect(sent[0]?.getRaw('warning')).toBe('399 sprout "busy"')
  })

  it('answers anything else 500 and logs it', async () => {
    const { deps, sent, logged } = fakeDeps()
    await answerSipError(request('MESSAGE'), new TypeError('boom'), deps, 'routing')
    expect(sent[0]?.status).toBe(500)
    expect(logged).toEqual(['SIP request failed'])
  })

  it('never answers an ACK (RFC 3261 §17.1.1.3)', async () => {
    const { deps, sent } = fakeDeps()
    await answerSipError(request('ACK'), new SipError(404, 'Not Found'), deps, 'routing')
    expect(sent).toHaveLength(0)
  })
})

describe('takeOwnRoutes', () => {
  it('takes the leading Route entries naming a Sprout and leaves the rest (RFC 3261 §16.4)', () => {
    const req = request('INVITE', [
      '<sip:sprout.a.edgewater.internal;lr;orig>',
      '<sip:odi_x@sprout.b.edgewater.internal;lr>',
      '<sip:as1.as.edgewater.internal;lr>',
    ])
    const own = takeOwnRoutes(req)
    expect(own.map((r) => (r.uri.kind === 'sip' ? r.uri.host : ''))).toEqual([
      'sprout.a.edgewater.internal',
      'sprout.b.edgewater.internal',
    ])
    expect(req.getAll('route')).toHaveLength(1)
  })
})
