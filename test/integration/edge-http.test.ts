/**
 * The edge's plain-HTTP entrances: XCAP (Ut) requests reach Homer of the home region, and the
 * other region's Homer when the home region is down (architecture §2).
 */
import { describe, expect, it } from 'vitest'
import { endpoints, regionDown, regionUp } from '../support/cloud'

const xcap = (edge: string) =>
  `${edge}/org.etsi.ngn.simservs/users/${encodeURIComponent('sip:nobody@example.com')}/simservs.xml`

describe('edge HTTP proxy to functions', () => {
  it('passes Ut requests to Homer, which challenges an unauthenticated client', async () => {
    const res = await fetch(xcap(endpoints().edges.a))
    expect(res.status).toBe(401)
    expect(res.headers.get('www-authenticate')).toMatch(/^Digest /)
  })

  it('fails over to the other region when the home region is down', async () => {
    await regionDown('a')
    try {
      const first = await fetch(xcap(endpoints().edges.a))
      expect(first.status).toBe(401)
      expect(first.headers.get('www-authenticate')).toMatch(/^Digest /)
      // With region a's breaker open, the next request goes to region b as well.
      const second = await fetch(xcap(endpoints().edges.a))
      expect(second.status).toBe(401)
    } finally {
      await regionUp('a')
    }
  })

  it('answers 404 with a JSON body for an unknown path', async () => {
    const res = await fetch(`${endpoints().edges.b}/no/such/path`)
    expect(res.status).toBe(404)
    expect(await res.json()).toMatchObject({ error: 'not found' })
  })
})
