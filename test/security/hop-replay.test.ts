/**
 * Issue 14, finding 9: trusted-zone signatures replayed. An attacker who captured one signed
 * internal request (here: Ellis setting a subscriber's password at Dime of region a, signed
 * exactly as any internal sender signs it) sends the same bytes again, over the local cloud's
 * real ports:
 *
 * - at the same Dime after the subscriber changed the password (which would put the old
 *   password back);
 * - at Dime of the other region, which shares the global table;
 * - at other functions that admit signed requests on any path.
 *
 * Each replay must be refused with 401, and the subscriber must keep the new password.
 */
import { describe, expect, it } from 'vitest'
import { signRequest } from '../../shared/hop/signature'
import { md5Hex } from '../../shared/sip'
import { dime, enc, freshNumber, provision } from '../integration/dime-helpers'
import { endpoints } from '../support/cloud'

interface Captured {
  method: string
  path: string
  headers: Record<string, string>
  body: string
}

/** Sends a captured request, byte for byte, to `base` (another host: same path, same headers). */
function replay(base: string, c: Captured): Promise<Response> {
  return fetch(`${base}${c.path}`, { method: c.method, headers: c.headers, body: c.body })
}

async function ha1(impi: string, impu: string): Promise<string | undefined> {
  const r = await dime('GET', `/impi/${enc(impi)}/av?impu=${enc(impu)}`)
  expect(r.status).toBe(200)
  return ((await r.json()) as { digest?: { ha1?: string } }).digest?.ha1
}

describe('finding 9: a captured trusted-zone request replayed', () => {
  it('is refused at the same function, at the other region and at other functions; the victim keeps the new password', async () => {
    const e = endpoints()
    const { impu, impi } = freshNumber()
    await provision(impu, impi, 'first-password')

    // The captured request: a password write to Dime of region a, as Ellis signs it.
    const path = `/private/${enc(impi)}`
    const body = JSON.stringify({ plaintext_password: 'old-password' })
    const url = `${e.functions.a.dime}${path}`
    const captured: Captured = {
      method: 'PUT',
      path,
      body,
      headers: {
        'content-type': 'application/json',
        ...(await signRequest(e.hopSecret, 'PUT', url, body)),
      },
    }
    expect((await replay(e.functions.a.dime, captured)).status).toBe(200)

    // The subscriber then changes the password (a new, differently signed request).
    const change = await dime('PUT', path, JSON.stringify({ plaintext_password: 'new-password' }), {
      headers: { 'content-type': 'application/json' },
    })
    expect(change.status).toBe(200)
    const realm = e.homeDomain
    const newHa1 = md5Hex(`${impi}:${realm}:new-password`)
    expect(await ha1(impi, impu)).toBe(newHa1)

    // Replayed at the same Dime, within the window.
    const same = await replay(e.functions.a.dime, captured)
    expect(same.status).toBe(401)
    expect(await same.json()).toMatchObject({ reason: 'replayed signature' })

    // Replayed at the other region's Dime (same path, same global table).
    const otherRegion = await replay(e.functions.b.dime, captured)
    expect(otherRegion.status).toBe(401)
    expect(await otherRegion.json()).toMatchObject({ reason: 'signed for another target' })

    // Replayed at other functions whose trusted zone covers every path.
    for (const base of [e.functions.a.sprout, e.functions.b.sprout, e.functions.a.timers]) {
      const other = await replay(base, captured)
      expect(other.status).toBe(401)
      expect(await other.json()).toMatchObject({ reason: 'signed for another target' })
    }

    // The victim is unaffected: the new password stands.
    expect(await ha1(impi, impu)).toBe(newHa1)
  })

  it('a signed request with a vouched-for header added in transit is refused', async () => {
    // Receivers believe the client address, public host and scheme, forwarding region and XCAP
    // identity only on a signed request, so those headers are inside the signature (signed as
    // absent here): one added to a captured request breaks it.
    const e = endpoints()
    const { impu, impi } = freshNumber()
    await provision(impu, impi)
    const url = `${e.functions.a.dime}/impi/${enc(impi)}/av?impu=${enc(impu)}`
    for (const [name, value] of [
      ['x-edgewater-client-ip', '198.51.100.66'],
      ['x-forwarded-host', 'attacker.example'],
      ['x-xcap-asserted-identity', 'sip:victim@example.com'],
    ] as const) {
      const headers = await signRequest(e.hopSecret, 'GET', url, null)
      const tampered = await fetch(url, { headers: { ...headers, [name]: value } })
      expect(tampered.status).toBe(401)
      expect(await tampered.json()).toMatchObject({ reason: 'bad signature' })
    }
  })
})
