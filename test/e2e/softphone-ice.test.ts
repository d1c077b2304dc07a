/**
 * The portal softphone's ICE servers in a real browser (Chromium via playwright-core, local
 * cloud): a person signs up, gets a line, registers the softphone and dials. Every
 * RTCPeerConnection the page creates is recorded (the constructor is wrapped before the page's
 * scripts run, nothing in the portal is changed for the test), and its `getConfiguration()` must
 * hold the STUN and TURN servers the cloud's Ellis is configured with, the TURN entry with a TURN
 * REST API credential that the shared secret verifies (recomputed here with Node's crypto).
 */
import { createHmac } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEFAULT_TURN_TTL_S } from '../../functions/ellis/ice-config'
import { localIceSettings } from '../../infra/local/ice-settings'
import { clockNow, endpoints } from '../support/cloud'
import { type Browser, newLineInPortal, openBrowser, signUpInPortal } from './browser'

interface SeenIceServer {
  urls: string | string[]
  username?: string
  credential?: string
}

/** What the test reads of a recorded peer connection (the page has the DOM types, Node not). */
interface RecordedPc {
  getConfiguration(): { iceServers?: SeenIceServer[] }
}
interface PcWindow {
  __pcs: RecordedPc[]
}

const list = (csv: string) =>
  csv
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)

describe('softphone ICE servers', () => {
  let browser: Browser

  beforeAll(async () => {
    browser = await openBrowser(endpoints().edges.a)
    await browser.context.addInitScript(() => {
      const w = globalThis as unknown as PcWindow & {
        RTCPeerConnection: new (config?: unknown) => RecordedPc
      }
      w.__pcs = []
      const Native = w.RTCPeerConnection
      w.RTCPeerConnection = class extends Native {
        constructor(config?: unknown) {
          super(config)
          w.__pcs.push(this)
        }
      }
    })
  }, 60_000)

  afterAll(async () => {
    await browser?.close()
  })

  it('gives the peer connection the configured STUN and TURN servers, TURN with a valid short-lived credential', async () => {
    const origin = endpoints().edges.a
    const { page } = browser
    const ice = localIceSettings()
    const ttl = Number(ice.turnTtlS ?? DEFAULT_TURN_TTL_S)
    const fetched: number[] = []
    page.on('response', (r) => {
      if (new URL(r.url()).pathname === '/api/ice-servers') fetched.push(r.status())
    })
    await signUpInPortal(page, origin, {
      email: `ice-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 5)}@example.com`,
      password: 'ice-pw-123',
      fullName: 'Ivy Ice',
      code: endpoints().signupCode,
    })
    const line = await newLineInPortal(page)
    const before = Math.floor((await clockNow()) / 1000)
    await page.goto(`${origin}/phone.html?line=${encodeURIComponent(line.sipUri)}`)
    await expect
      .poll(() => page.getByLabel('SIP password of this line').inputValue(), { timeout: 10_000 })
      .not.toBe('')
    await page.getByRole('button', { name: 'Register', exact: true }).click()
    await page
      .locator('#reg-state', { hasText: `registered as ${line.sipUri}` })
      .waitFor({ timeout: 20_000 })
    expect(fetched).toEqual([200])

    // Dial someone who is not there: the offer is made (and the peer connection created)
    // before the INVITE goes out, whatever the answer.
    await page.getByLabel('Number or SIP address').fill(`sip:nobody-${Date.now()}@example.com`)
    await page.getByRole('button', { name: 'Call', exact: true }).click()
    await expect
      .poll(() => page.evaluate(() => (globalThis as unknown as PcWindow).__pcs.length), {
        timeout: 20_000,
      })
      .toBeGreaterThan(0)
    const servers = (await page.evaluate(() =>
      (globalThis as unknown as PcWindow).__pcs[0]!.getConfiguration().iceServers?.map((s) => ({
        urls: s.urls,
        username: s.username,
        credential: s.credential,
      }))
    )) as SeenIceServer[]
    const urls = (s: SeenIceServer) => (Array.isArray(s.urls) ? s.urls : [s.urls])
    expect(servers).toHaveLength(2)
    expect(urls(servers[0]!)).toEqual(list(ice.stunUrls))
    expect(urls(servers[1]!)).toEqual(list(ice.turnUrls))
    const turn = servers[1]!
    const [expiry, userId] = turn.username!.split(':')
    expect(Number(expiry)).toBeGreaterThanOrEqual(before + ttl)
    expect(Number(expiry)).toBeLessThanOrEqual(Math.floor((await clockNow()) / 1000) + ttl)
    expect(userId).toMatch(/^[A-Za-z0-9_-]+$/)
    expect(turn.credential).toBe(
      createHmac('sha1', ice.turnSecret).update(turn.username!).digest('base64')
    )
  }, 120_000)
})
