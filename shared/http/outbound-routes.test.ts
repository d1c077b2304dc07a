import { describe, expect, it } from 'vitest'
import { type OriginFetcher, OUTBOUND_ROUTES, outboundRoutes, routedFetch } from './outbound-routes'

/** A fetcher that records the URLs it was asked for and answers with its name. */
function recorder(name: string): OriginFetcher & { urls: string[] } {
  const urls: string[] = []
  return {
    urls,
    fetch: async (input) => {
      urls.push(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url)
      return new Response(name)
    },
  }
}

describe('routedFetch', () => {
  it('sends a routed origin to its fetcher and every other origin to the base fetch', async () => {
    const kv = recorder('kv')
    const base = recorder('base')
    const f = routedFetch(base.fetch as typeof fetch, new Map([['http://127.0.0.1:8791', kv]]))
    expect(await (await f('http://127.0.0.1:8791/pipeline')).text()).toBe('kv')
    expect(await (await f(new URL('http://127.0.0.1:8791'))).text()).toBe('kv')
    expect(
      await (await f(new Request('http://127.0.0.1:8791/x?y=1', { method: 'POST' }))).text()
    ).toBe('kv')
    // Another port of the same host, another host, another scheme: not routed.
    expect(await (await f('http://127.0.0.1:8792/pipeline')).text()).toBe('base')
    expect(await (await f('http://127.0.0.1:87910/pipeline')).text()).toBe('base')
    expect(await (await f('https://127.0.0.1:8791/pipeline')).text()).toBe('base')
    expect(kv.urls).toEqual([
      'http://127.0.0.1:8791/pipeline',
      'http://127.0.0.1:8791/',
      'http://127.0.0.1:8791/x?y=1',
    ])
    expect(base.urls).toHaveLength(3)
  })

  it('passes the init through unchanged', async () => {
    let seen: RequestInit | undefined
    const to: OriginFetcher = {
      fetch: async (_input, init) => {
        seen = init
        return new Response(null, { status: 204 })
      },
    }
    const f = routedFetch(fetch, new Map([['http://127.0.0.1:1', to]]))
    const init = { method: 'PUT', body: 'x', headers: { a: 'b' } }
    expect((await f('http://127.0.0.1:1/p', init)).status).toBe(204)
    expect(seen).toBe(init)
  })
})

describe('outboundRoutes', () => {
  it('reads the origins and their bindings from the env', () => {
    const kv = recorder('kv')
    const routes = outboundRoutes({
      [OUTBOUND_ROUTES]: JSON.stringify({ 'http://127.0.0.1:8791': 'OUTBOUND_1' }),
      OUTBOUND_1: kv,
    })
    expect([...routes.keys()]).toEqual(['http://127.0.0.1:8791'])
    expect(routes.get('http://127.0.0.1:8791')).toBe(kv)
  })

  it('has no route without the binding (a deployment)', () => {
    expect(outboundRoutes({}).size).toBe(0)
    expect(outboundRoutes({ [OUTBOUND_ROUTES]: '' }).size).toBe(0)
  })

  it('refuses a route to a binding that is not a service', () => {
    expect(() =>
      outboundRoutes({
        [OUTBOUND_ROUTES]: JSON.stringify({ 'http://127.0.0.1:8791': 'OUTBOUND_1' }),
        OUTBOUND_1: 'a string',
      })
    ).toThrow(/OUTBOUND_1 for http:\/\/127\.0\.0\.1:8791, which is not a service binding/)
  })
})
