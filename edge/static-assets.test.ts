import { Hono } from 'hono'
import { describe, expect, it } from 'vitest'
import type { EdgeEnv } from './env'
import { mountStaticAssets, PORTAL_CSP } from './static-assets'

const assets = {
  '/': { type: 'text/html; charset=utf-8', body: '<!doctype html><p>hi', etag: '"abc"' },
  '/assets/portal.js': {
    type: 'text/javascript; charset=utf-8',
    body: 'console.log(1)',
    etag: '"def"',
  },
}

describe('edge static assets', () => {
  const app = new Hono<{ Bindings: EdgeEnv }>()
  mountStaticAssets(app, assets)
  app.get('/sip', (c) => c.text('sip route'))

  it('serves pages with a strict CSP and scripts without one', async () => {
    const page = await app.request('/')
    expect(page.status).toBe(200)
    expect(await page.text()).toBe('<!doctype html><p>hi')
    expect(page.headers.get('content-security-policy')).toBe(PORTAL_CSP)
    expect(PORTAL_CSP).toContain("script-src 'self'")
    expect(page.headers.get('x-frame-options')).toBe('DENY')
    const js = await app.request('/assets/portal.js')
    expect(js.headers.get('content-type')).toContain('javascript')
    expect(js.headers.get('content-security-policy')).toBeNull()
    expect(js.headers.get('x-content-type-options')).toBe('nosniff')
  })

  it('answers 304 to a matching ETag and HEAD without a body', async () => {
    const r = await app.request('/assets/portal.js', {
      headers: { 'if-none-match': 'W/"x", "def"' },
    })
    expect(r.status).toBe(304)
    const head = await app.request('/', { method: 'HEAD' })
    expect(head.status).toBe(200)
    expect(await head.text()).toBe('')
  })

  it('claims only its own paths', async () => {
    expect(await (await app.request('/sip')).text()).toBe('sip route')
    expect((await app.request('/nothing.html')).status).toBe(404)
  })
})
