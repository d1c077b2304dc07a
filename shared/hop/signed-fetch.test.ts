import { describe, expect, it } from 'vitest'
import { createReplayGuard } from './replay-guard'
import { SIGNATURE_HEADER, verifySignature } from './signature'
import { hopRoute, signedFetch, signedInit } from './signed-fetch'

const secret = 'a-test-secret-of-enough-length-0123456789'
const url = 'https://sprout-a.example.net/flows/t/closed'
const keys = () => ({ secret, self: ['https://sprout-a.example.net'], replay: createReplayGuard() })

describe('signedInit', () => {
  it('signs the method, body and trusted headers the request carries', async () => {
    const init = await signedInit(secret, url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-edgewater-client-ip': '192.0.2.1' },
      body: '{"a":1}',
    })
    const headers = new Headers(init.headers)
    expect(headers.get('content-type')).toBe('application/json')
    const body = new TextEncoder().encode('{"a":1}')
    expect(await verifySignature(keys(), 'POST', url, headers, body)).toEqual({ ok: true })
    // The trusted header is under the signature: changed in transit, the request is refused.
    const forged = new Headers(headers)
    forged.set('x-edgewater-client-ip', '198.51.100.7')
    expect((await verifySignature(keys(), 'POST', url, forged, body)).ok).toBe(false)
  })

  it('keeps a Headers object, puts the signature over a caller header of the same name, drops a null body', async () => {
    const init = await signedInit(secret, url, {
      headers: new Headers({ [SIGNATURE_HEADER]: 'caller' }),
      body: null,
    })
    expect(init.method).toBe('GET')
    expect('body' in init).toBe(false)
    expect(init.headers).toBeInstanceOf(Headers)
    const headers = init.headers as Headers
    expect(headers.get(SIGNATURE_HEADER)).not.toBe('caller')
    expect(await verifySignature(keys(), 'GET', url, headers, new Uint8Array())).toEqual({
      ok: true,
    })
  })
})

describe('signedFetch', () => {
  it('hands the signed request to the given fetch', async () => {
    let seen: RequestInit | undefined
    const res = await signedFetch(
      async (_u, i) => {
        seen = i
        return new Response('ok')
      },
      secret,
      url,
      { method: 'POST', body: 'x' }
    )
    expect(await res.text()).toBe('ok')
    const headers = new Headers(seen?.headers)
    const body = new TextEncoder().encode('x')
    expect(await verifySignature(keys(), 'POST', url, headers, body)).toEqual({ ok: true })
  })
})

describe('hopRoute', () => {
  it('names the first path segment, two under /internal, the same on every call', () => {
    const urls = {
      'http://127.0.0.1:8800/sip': 'sip',
      'https://dime-a.example.net/impi/alice%40example.com/av?x=1': 'impi',
      'http://edge.internal/internal/flows/abc.def/sip': 'internal/flows',
      'http://edge.internal/': '/',
    }
    for (let round = 0; round < 2; round++)
      for (const [u, route] of Object.entries(urls)) expect(hopRoute(u)).toBe(route)
  })
})
