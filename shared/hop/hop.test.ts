import http from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CircuitBreakers } from './circuit-breaker'
import { mintFlowToken, openFlowToken } from './flow-token'
import { classifyInternal, functionHost } from './internal-addresses'
import { createResolver } from './resolver'
import { verifySignature } from './signature'
import { inlineAnswerBody, postSip, SIP_BATCH_CONTENT_TYPE } from './sip-over-http'

const secret = 'hop-test-secret-0123456789'
const objectId = 'ab'.repeat(32)
const urls = (r: string) =>
  ({
    sprout: `http://s-${r}`,
    dime: `http://d-${r}`,
    homer: `http://h-${r}`,
    ellis: `http://e-${r}`,
    timers: `http://t-${r}`,
  }) as const

describe('flow tokens', () => {
  it('round-trips and refuses forgeries', async () => {
    const token = await mintFlowToken(secret, objectId)
    expect(token).toMatch(/^[0-9a-f]{64}\.[0-9a-f]{24}$/)
    expect(await openFlowToken(secret, token)).toBe(objectId)
    expect(await openFlowToken('another-secret-0123456789', token)).toBeUndefined()
    const forged = `${'cd'.repeat(32)}${token.slice(64)}`
    expect(await openFlowToken(secret, forged)).toBeUndefined()
    expect(await openFlowToken(secret, 'short')).toBeUndefined()
  })

  it('opens tokens of the previous secret during a rotation, and mints with the current', async () => {
    const next = 'the-next-flow-token-secret-0123456789'
    const old = await mintFlowToken(secret, objectId)
    const rotating = { secret: next, previous: secret }
    expect(await openFlowToken(rotating, old)).toBe(objectId)
    expect(await openFlowToken({ secret: next }, old)).toBeUndefined()
    const fresh = await mintFlowToken(rotating, objectId)
    expect(await openFlowToken(next, fresh)).toBe(objectId)
    expect(await openFlowToken(secret, fresh)).toBeUndefined()
  })
})

describe('internal addresses and the resolver', () => {
  const resolver = createResolver({
    functionUrls: { a: urls('a'), b: urls('b') },
    edgeUrl: 'http://edge/',
    applicationServers: { mmtel: 'http://as/sip' },
  })

  it('classifies our hosts case-insensitively and ignores others', () => {
    expect(classifyInternal('SPROUT.B.edgewater.internal')).toEqual({
      kind: 'function',
      fn: 'sprout',
      region: 'b',
    })
    expect(classifyInternal('edge.edgewater.internal', 'tok')).toEqual({
      kind: 'flow',
      token: 'tok',
    })
    expect(classifyInternal('mmtel.as.edgewater.internal')).toEqual({ kind: 'as', name: 'mmtel' })
    expect(classifyInternal('sprout.c.edgewater.internal')).toBeUndefined()
    expect(classifyInternal('example.com')).toBeUndefined()
  })

  it('maps functions, flows and application servers to HTTP endpoints', () => {
    expect(resolver.resolve(functionHost('sprout', 'a'))?.url).toBe('http://s-a/sip')
    expect(resolver.resolve('edge.edgewater.internal', 'abc.def')?.url).toBe(
      'http://edge/internal/flows/abc.def/sip'
    )
    expect(resolver.resolve('mmtel.as.edgewater.internal')?.url).toBe('http://as/sip')
    expect(resolver.resolve('unknown.as.edgewater.internal')).toBeUndefined()
    expect(resolver.resolve('edge.edgewater.internal')).toBeUndefined()
  })
})

describe('SIP over HTTP', () => {
  let server: http.Server
  let base = ''
  let lastSignatureOk = false
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      let body = ''
      req.on('data', (d) => (body += d))
      req.on('end', async () => {
        const headers = new Headers(req.headers as Record<string, string>)
        lastSignatureOk = (
          await verifySignature(
            secret,
            'POST',
            `${base}${req.url}`,
            headers,
            new TextEncoder().encode(body)
          )
        ).ok
        const status = Number(req.url!.split('/')[1])
        if (status === 999) return // never answer: timeout
        res.writeHead(status).end(status === 500 ? 'boom' : '')
      })
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`
  })
  afterAll(() => {
    server.closeAllConnections()
    server.close()
  })

  it('signs the message and treats 202 as taken', async () => {
    expect(await postSip(`${base}/202/sip`, 'OPTIONS sip:x SIP/2.0\r\n\r\n', { secret })).toEqual({
      ok: true,
    })
    expect(lastSignatureOk).toBe(true)
  })

  it('maps 410 to 430 Flow Failed, other statuses to 503, a timeout to 408 and refusal to 503', async () => {
    expect(await postSip(`${base}/410/sip`, 'x', { secret })).toMatchObject({
      ok: false,
      sipStatus: 430,
    })
    expect(await postSip(`${base}/500/sip`, 'x', { secret })).toMatchObject({
      ok: false,
      sipStatus: 503,
      transport: false,
    })
    expect(await postSip(`${base}/999/sip`, 'x', { secret, timeoutMs: 200 })).toMatchObject({
      ok: false,
      sipStatus: 408,
      transport: true,
    })
    expect(await postSip('http://127.0.0.1:1/sip', 'x', { secret })).toMatchObject({
      ok: false,
      sipStatus: 503,
      transport: true,
    })
  })
})

describe('inline answers', () => {
  const answer = 'SIP/2.0 401 Unauthorized\r\nContent-Length: 0\r\n\r\n'
  const fake =
    (status: number, type: string, body: string, seen: { replies?: string | null }) =>
    async (_url: string | URL | Request, init?: RequestInit) => {
      seen.replies = new Headers(init?.headers).get('x-edgewater-replies')
      return new Response(body, { status, headers: { 'content-type': type } })
    }

  it('asks for them and returns the SIP messages of a batch answer in order', async () => {
    const seen: { replies?: string | null } = {}
    const body = inlineAnswerBody([answer, answer.replace('401 Unauthorized', '403 Forbidden')])
    const r = await postSip('http://s/sip', 'x', {
      secret,
      inline: true,
      fetch: fake(200, SIP_BATCH_CONTENT_TYPE, body, seen) as typeof fetch,
    })
    expect(seen.replies).toBe('inline')
    expect(r).toEqual({
      ok: true,
      messages: [answer, answer.replace('401 Unauthorized', '403 Forbidden')],
    })
  })

  it('takes nothing from a 200 of another type or a malformed batch, and does not ask unless told', async () => {
    const seen: { replies?: string | null } = {}
    const json = fake(200, 'application/json', inlineAnswerBody([answer]), seen) as typeof fetch
    expect(await postSip('http://s/sip', 'x', { secret, fetch: json })).toEqual({ ok: true })
    expect(seen.replies).toBeNull()
    const broken = fake(200, SIP_BATCH_CONTENT_TYPE, '{"sip": [1]}', seen) as typeof fetch
    expect(await postSip('http://s/sip', 'x', { secret, inline: true, fetch: broken })).toEqual({
      ok: true,
    })
  })
})

describe('circuit breakers', () => {
  it('skips a failed target until it reopens, keeping it as a last resort', () => {
    let now = 0
    const b = new CircuitBreakers({ openMs: 1000, now: () => now })
    expect(b.order(['a', 'b'])).toEqual(['a', 'b'])
    b.failure('a')
    expect(b.order(['a', 'b'])).toEqual(['b', 'a'])
    now = 1001
    expect(b.order(['a', 'b'])).toEqual(['a', 'b'])
    b.failure('a')
    b.success('a')
    expect(b.isOpen('a')).toBe(false)
  })
})
