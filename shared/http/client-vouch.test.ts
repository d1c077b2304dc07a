import { describe, expect, it } from 'vitest'
import { SIGNATURE_HEADER, verifySignature } from '../hop/signature'
import { vouchedClient, vouchHeaders, vouchKeys } from './client-vouch'

const SECRET = 'unit-test-hop-secret-0123456789ab'
const HOMER = 'http://homer-a.test'
const URL_ = `${HOMER}/org.projectclearwater.call-list/users/x/call-list.xml`
const keys = (over = {}) => ({ secret: SECRET, self: [HOMER], ...over })

async function vouched(ip = '203.0.113.9', url = URL_, secret = SECRET) {
  return new Headers(await vouchHeaders(secret, 'GET', url, undefined, ip))
}

describe("the edge's vouch for a client address", () => {
  it('names the address on the request it was made for', async () => {
    const h = await vouched()
    expect(await vouchedClient(keys(), 'GET', URL_, h, new Uint8Array())).toBe('203.0.113.9')
  })

  it('is no hop signature: it carries none and does not verify as one', async () => {
    const h = await vouched()
    expect(h.has(SIGNATURE_HEADER)).toBe(false)
    const asHop = new Headers(h)
    h.forEach((v, k) => {
      if (k.startsWith('x-edgewater-vouch-')) asHop.set(k.replace('vouch-', ''), v)
    })
    expect((await verifySignature(keys(), 'GET', URL_, asHop, new Uint8Array())).ok).toBe(false)
  })

  it('is refused when forged, altered, replayed, or made for another target or request', async () => {
    const body = new Uint8Array()
    const forged = await vouched('203.0.113.9', URL_, 'another-secret-0123456789abcdefgh')
    expect(await vouchedClient(keys(), 'GET', URL_, forged, body)).toBeUndefined()
    const altered = await vouched()
    altered.set('x-edgewater-client-ip', '198.51.100.1')
    expect(await vouchedClient(keys(), 'GET', URL_, altered, body)).toBeUndefined()
    const elsewhere = await vouched('203.0.113.9', 'http://homer-b.test/x')
    expect(
      await vouchedClient(keys(), 'GET', 'http://homer-b.test/x', elsewhere, body)
    ).toBeUndefined()
    const other = await vouched()
    expect(await vouchedClient(keys(), 'GET', `${URL_}?x=1`, other, body)).toBeUndefined()
    const once = await vouched()
    const k = keys()
    expect(await vouchedClient(k, 'GET', URL_, once, body)).toBe('203.0.113.9')
    expect(await vouchedClient(k, 'GET', URL_, new Headers(once), body)).toBeUndefined()
    expect(await vouchedClient(keys(), 'GET', URL_, new Headers(), body)).toBeUndefined()
  })

  it('verifies with the previous hop secret during a rotation', async () => {
    const h = await vouched('203.0.113.10', URL_, 'old-secret-0123456789abcdefghijkl')
    const rotating = keys({ previous: 'old-secret-0123456789abcdefghijkl' })
    expect(vouchKeys(rotating).previous).toContain('old-secret')
    expect(await vouchedClient(rotating, 'GET', URL_, h, new Uint8Array())).toBe('203.0.113.10')
  })
})
