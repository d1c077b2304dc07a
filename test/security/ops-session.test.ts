/**
 * The operator surface (`/ops`) through the edge, as an attacker reaches it:
 * - a copy of an operator's ops cookie (a shared machine, a proxy log, a stolen backup) opens
 *   nothing once the operator has logged out, in either region, though the cookie is genuine and
 *   unexpired;
 * - `NGV-API-Key` guessed as a header, on `/ops/api` or on the admin API, is limited per source
 *   like a key typed at `/ops/login`: after the budget, the source is refused before its key is
 *   compared (even the right key gets 429), while the operator's own source is unaffected.
 * Sources are the client addresses the edge vouches for (`cf-connecting-ip`); each run uses
 * addresses of its own (RFC 3849 documentation prefix), so reruns on one cloud start afresh.
 */
import { describe, expect, it } from 'vitest'
import { DEFAULT_THROTTLE } from '../../functions/ellis/throttle-config'
import { endpoints } from '../support/cloud'

const run = Math.floor(Math.random() * 0xffff).toString(16)
const source = (n: number) => `2001:db8:${run}::${n}`
const edge = (r: 'a' | 'b') => endpoints().edges[r]

async function opsLogin(from: string): Promise<string> {
  const r = await fetch(`${edge('a')}/ops/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/json', 'cf-connecting-ip': from },
    body: JSON.stringify({ api_key: endpoints().ellisApiKey }),
  })
  expect(r.status).toBe(200)
  const c = r.headers.getSetCookie().find((x) => x.startsWith('edgewater_ops='))
  expect(c).toBeDefined()
  return c!.split(';')[0]!
}

const flags = (r: 'a' | 'b', headers: Record<string, string>) =>
  fetch(`${edge(r)}/ops/api/flags`, { redirect: 'manual', headers })

describe('the ops session after logout', () => {
  it('a copied cookie opens nothing once the operator logged out, in either region', async () => {
    const cookie = await opsLogin(source(1))
    const copy = { cookie, 'cf-connecting-ip': source(2) }
    expect((await flags('a', copy)).status).toBe(200)
    expect((await flags('b', copy)).status).toBe(200)
    const out = await fetch(`${edge('a')}/ops/logout`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie, 'cf-connecting-ip': source(1) },
    })
    expect(out.status).toBe(303)
    expect(out.headers.get('set-cookie')).toMatch(/Max-Age=0/)
    for (const r of ['a', 'b'] as const) {
      const after = await flags(r, copy)
      expect(after.status).toBe(403)
      const page = await fetch(`${edge(r)}/ops`, { headers: copy })
      expect(await page.text()).toContain('api_key')
    }
    // The operator logs in again and works.
    expect((await flags('a', { cookie: await opsLogin(source(1)) })).status).toBe(200)
  })
})

describe('NGV-API-Key guessed as a header', () => {
  it('limits the source like /ops/login; the operator elsewhere is unaffected', async () => {
    const attacker = { 'cf-connecting-ip': source(66) }
    const statuses: number[] = []
    for (let i = 0; i < DEFAULT_THROTTLE.signupCodeFailures; i++)
      statuses.push((await flags('a', { ...attacker, 'ngv-api-key': `guess-${i}` })).status)
    expect(statuses.every((s) => s === 403)).toBe(true)
    // The budget is spent: even the right key from that source is refused before comparison…
    const right = await flags('a', { ...attacker, 'ngv-api-key': endpoints().ellisApiKey })
    expect(right.status).toBe(429)
    expect(Number(right.headers.get('retry-after'))).toBeGreaterThan(0)
    // …on the admin API too (one budget per source for the one secret).
    const adminApi = await fetch(`${edge('a')}/api/shards`, {
      headers: { ...attacker, 'ngv-api-key': endpoints().ellisApiKey },
    })
    expect(adminApi.status).toBe(429)
    // The operator's own source is served.
    const mine = { 'cf-connecting-ip': source(7), 'ngv-api-key': endpoints().ellisApiKey }
    expect((await flags('a', mine)).status).toBe(200)
    expect((await fetch(`${edge('a')}/api/shards`, { headers: mine })).status).toBe(200)
  })
})
