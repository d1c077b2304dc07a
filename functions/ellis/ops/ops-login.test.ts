import { describe, expect, it } from 'vitest'
import { API_KEY, ellisKit, json } from '../../../test/support/kits/ellis-kit'
import { DEFAULT_THROTTLE } from '../throttle-config'

describe('the operator login', () => {
  it('refuses wrong keys (403), then limits their source (429), while other sources log in', async () => {
    const kit = ellisKit()
    const login = (key: string, client: string) =>
      kit.request('a', 'POST', '/ops/login', {
        headers: { ...json, 'x-forwarded-for': client },
        body: JSON.stringify({ api_key: key }),
      })
    for (let i = 0; i < DEFAULT_THROTTLE.signupCodeFailures; i++)
      expect((await login(`guess-${i}`, '203.0.113.9')).status).toBe(403)
    // Once the window's budget is spent, even the right key from that source waits.
    const cut = await login(API_KEY, '203.0.113.9')
    expect(cut.status).toBe(429)
    expect(Number(cut.headers.get('retry-after'))).toBeGreaterThan(0)
    const other = await login(API_KEY, '198.51.100.9')
    expect(other.status).toBe(200)
    expect(other.headers.get('set-cookie')).toMatch(/^edgewater_ops=/)
  })
})
