import { describe, expect, it } from 'vitest'
import { OUTBOUND_ROUTES } from '../../shared/http/outbound-routes'
import { loopbackOrigins, outboundRouteOptions } from './outbound-routes'

describe('local outbound routes', () => {
  it('finds each loopback origin once, in plain values and inside JSON maps', () => {
    expect(
      loopbackOrigins({
        KV_URL: 'http://127.0.0.1:8791',
        KV_REMOTE_URL: 'http://127.0.0.1:8792',
        FUNCTION_URLS: JSON.stringify({ a: { sprout: 'http://127.0.0.1:8800' } }),
        AS_URLS: JSON.stringify({ test: 'http://127.0.0.1:8800/test-as/sip' }),
        ICE_TURN_URLS: 'turn:127.0.0.1:3478?transport=udp',
        OTHER: 'https://example.com',
      })
    ).toEqual(['http://127.0.0.1:8791', 'http://127.0.0.1:8792', 'http://127.0.0.1:8800'])
  })

  it('binds each origin to an external service on its address and names it in OUTBOUND_ROUTES', () => {
    const { serviceBindings, routes } = outboundRouteOptions({
      KV_URL: 'http://127.0.0.1:8791',
      EDGE_URL: 'http://127.0.0.1:18100',
    })
    expect(serviceBindings).toEqual({
      OUTBOUND_1: { external: { address: '127.0.0.1:8791', http: {} } },
      OUTBOUND_2: { external: { address: '127.0.0.1:18100', http: {} } },
    })
    expect(JSON.parse(routes[OUTBOUND_ROUTES]!)).toEqual({
      'http://127.0.0.1:8791': 'OUTBOUND_1',
      'http://127.0.0.1:18100': 'OUTBOUND_2',
    })
  })
})
