import { Hono } from 'hono'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { verifySignature } from '../shared/hop/signature'
import { API_MAX_BODY_BYTES, mountApiProxy } from './api-proxy'
import type { EdgeEnv } from './env'

const SECRET = 'edge-unit-test-hop-secret-0123'
const urls = (r: string) => ({
  sprout: `http://sprout-${r}.test`,
  dime: `http://dime-${r}.test`,
  homer: `http://homer-${r}.test`,
  ellis: `http://ellis-${r}.test`,
  timers: `http://timers-${r}.test`,
})
const env = {
  HOME_REGION: 'a',
  FUNCTION_URLS: JSON.stringify({ a: urls('a'), b: urls('b') }),
  HOP_SECRET: SECRET,
  HOME_DOMAIN: 'example.com',
} as unknown as EdgeEnv

function app() {
  const a = new Hono<{ Bindings: EdgeEnv }>()
  mountApiProxy(a)
  return a
}

afterEach(() => vi.unstubAllGlobals())

describe('edge /api proxy', () => {
  it('forwards to the home region unchanged, signed, with the client address it vouches for', async () => {
    const seen: Request[] = []
    vi.stubGlobal('fetch', async (url: string, init: RequestInit) => {
      seen.push(new Request(url, init))
      return new Response('{"ok":1}', {
        status: 201,
        headers: { 'set-cookie': 'username=x; HttpOnly', 'content-type': 'application/json' },
      })
    })
    const r = await app().request(
      'https://portal.example.com/api/accounts?onsuccess=/x',
      {
        method: 'POST',
        body: '{"email":"a@example.com"}',
        headers: {
          'content-type': 'application/json',
          'cf-connecting-ip': '198.51.100.4',
          'x-edgewater-client-ip': '10.9.9.9',
          'x-edgewater-forwarded-by': 'b',
          'x-forwarded-host': 'evil.example',
        },
      },
      env
    )
    expect(r.status).toBe(201)
    expect(r.headers.get('x-edgewater-region')).toBe('a')
    expect(r.headers.get('set-cookie')).toBe('username=x; HttpOnly')
    const req = seen[0]!
    expect(req.url).toBe('http://ellis-a.test/api/accounts?onsuccess=/x')
    expect(req.headers.get('x-edgewater-client-ip')).toBe('198.51.100.4')
    expect(req.headers.get('x-edgewater-forwarded-by')).toBeNull()
    expect(req.headers.get('x-forwarded-host')).toBe('portal.example.com')
    expect(req.headers.get('x-forwarded-proto')).toBe('https')
    const body = new Uint8Array(await req.arrayBuffer())
    expect((await verifySignature(SECRET, 'POST', req.url, req.headers, body)).ok).toBe(true)
  })

  it('fails over to the other region on a transport error, and answers 503 when both fail', async () => {
    const tried: string[] = []
    vi.stubGlobal('fetch', async (url: string) => {
      tried.push(new URL(url).host)
      if (url.startsWith('http://ellis-a')) throw new TypeError('connection reset')
      return new Response('OK', { status: 200 })
    })
    const r = await app().request('http://edge.test/api/ping', {}, env)
    expect(r.status).toBe(200)
    expect(r.headers.get('x-edgewater-region')).toBe('b')
    expect(tried).toEqual(['ellis-a.test', 'ellis-b.test'])

    vi.stubGlobal('fetch', async () => {
      throw new TypeError('connection refused')
    })
    const down = await app().request('http://edge.test/api/ping', {}, env)
    expect(down.status).toBe(503)
    expect(await down.json()).toMatchObject({ error: true, status: 503 })
  })

  it('does not fail over on an HTTP error answer, and refuses oversized bodies', async () => {
    let calls = 0
    vi.stubGlobal('fetch', async () => {
      calls++
      return new Response('{"error":true}', { status: 502 })
    })
    const r = await app().request(
      'http://edge.test/api/accounts/x/numbers',
      { method: 'POST' },
      env
    )
    expect(r.status).toBe(502)
    expect(calls).toBe(1)
    const big = await app().request(
      'http://edge.test/api/accounts',
      { method: 'POST', body: 'x'.repeat(API_MAX_BODY_BYTES + 1) },
      env
    )
    expect(big.status).toBe(413)
  })

  it('does not repeat a timed-out POST in the other region (RFC 9110 §9.2.2), but does a GET', async () => {
    const seen: string[] = []
    vi.stubGlobal('fetch', async (url: string) => {
      seen.push(url)
      if (url.startsWith('http://ellis-a.test')) throw new DOMException('timed out', 'TimeoutError')
      return new Response('{}', { status: 200 })
    })
    const post = await app().request(
      'http://edge.test/api/accounts/x/numbers',
      { method: 'POST' },
      env
    )
    expect(post.status).toBe(504)
    expect(seen).toEqual(['http://ellis-a.test/api/accounts/x/numbers'])
    seen.length = 0
    const get = await app().request('http://edge.test/api/accounts/x/numbers', {}, env)
    expect(get.status).toBe(200)
    expect(seen).toEqual([
      'http://ellis-a.test/api/accounts/x/numbers',
      'http://ellis-b.test/api/accounts/x/numbers',
    ])
  })
})
