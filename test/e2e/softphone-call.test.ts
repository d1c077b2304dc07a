/**
 * A browser-to-browser call through Edgewater (Chromium via playwright-core, local cloud): two
 * people in two browser contexts, one on each region's edge, sign up in the portal, get a line
 * each, register the portal's softphone (sip.js over `ws://<edge>/sip`), and one calls the other.
 * The callee answers; both RTCPeerConnections must reach `connected` and both must receive audio
 * (Chromium's fake microphone); then the caller hangs up and both sides end. A screenshot of the
 * active call goes to test-results/ellis-e2e/.
 */

import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { endpoints } from '../support/cloud'
import { type Browser, newLineInPortal, openBrowser, screenshot, signUpInPortal } from './browser'

const unique = (tag: string) =>
  `${tag}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 5)}@example.com`

async function registerPhone(page: Page, origin: string, sipUri: string): Promise<void> {
  await page.goto(`${origin}/phone.html?line=${encodeURIComponent(sipUri)}`)
  // The lines page left the password in this tab's session storage; the phone fills it in.
  await expect
    .poll(() => page.getByLabel('SIP password of this line').inputValue(), { timeout: 10_000 })
    .not.toBe('')
  await page.getByRole('button', { name: 'Register', exact: true }).click()
  await page
    .locator('#reg-state', { hasText: `registered as ${sipUri}` })
    .waitFor({ timeout: 20_000 })
  await expect
    .poll(() => page.getByRole('button', { name: 'Register', exact: true }).isDisabled(), {
      timeout: 10_000,
    })
    .toBe(true)
  expect(await page.getByRole('button', { name: 'Unregister' }).isEnabled()).toBe(true)
  expect(await page.getByRole('button', { name: 'Call', exact: true }).isEnabled()).toBe(true)
}

const media = (page: Page) =>
  page.locator('#media-state').evaluate((e) => ({
    pc: (e as unknown as { dataset: Record<string, string> }).dataset.pcState,
    tracks: Number((e as unknown as { dataset: Record<string, string> }).dataset.audioTracks ?? 0),
    packets: Number(
      (e as unknown as { dataset: Record<string, string> }).dataset.audioPackets ?? 0
    ),
  }))

describe('softphone call between two browsers', () => {
  let caller: Browser
  let callee: Browser

  beforeAll(async () => {
    caller = await openBrowser(endpoints().edges.a)
    callee = await openBrowser(endpoints().edges.b)
  }, 60_000)

  afterAll(async () => {
    await caller?.close()
    await callee?.close()
  })

  it('registers both phones, calls, answers, exchanges audio over WebRTC, and hangs up', async () => {
    const a = endpoints().edges.a
    const b = endpoints().edges.b
    await signUpInPortal(caller.page, a, {
      email: unique('caller'),
      password: 'caller-pw',
      fullName: 'Carol Caller',
      code: endpoints().signupCode,
    })
    await signUpInPortal(callee.page, b, {
      email: unique('callee'),
      password: 'callee-pw',
      fullName: 'Dave Callee',
      code: endpoints().signupCode,
    })
    const lineA = await newLineInPortal(caller.page)
    const lineB = await newLineInPortal(callee.page)

    await registerPhone(callee.page, b, lineB.sipUri)
    await registerPhone(caller.page, a, lineA.sipUri)

    const calleeNumber = lineB.sipUri.slice(4).split('@')[0]!
    await caller.page.getByLabel('Number or SIP address').fill(calleeNumber)
    await caller.page.getByRole('button', { name: 'Call', exact: true }).click()

    const incoming = callee.page.locator('#incoming')
    await incoming.waitFor({ state: 'visible', timeout: 20_000 }).catch(async (err: unknown) => {
      // Say what the caller saw: the phone page puts SIP failures into words.
      const said = await caller.page.locator('#status').textContent()
      const state = await caller.page.locator('#call-state').textContent()
      throw new Error(
        `the callee's phone never rang (caller: "${said}", call: "${state}"): ${String(err)}`
      )
    })
    expect(await callee.page.locator('#caller').textContent()).toContain(
      lineA.sipUri.slice(4).split('@')[0]
    )
    await callee.page.getByRole('button', { name: 'Answer' }).click()

    for (const p of [caller.page, callee.page]) {
      await p.locator('#call-state', { hasText: 'connected to' }).waitFor({ timeout: 20_000 })
      await expect.poll(async () => (await media(p)).pc, { timeout: 20_000 }).toBe('connected')
      await expect
        .poll(async () => (await media(p)).packets, { timeout: 20_000 })
        .toBeGreaterThan(0)
      expect((await media(p)).tracks).toBeGreaterThanOrEqual(1)
    }
    await screenshot(caller.page, 'active-call')

    // Mute and unmute on the caller's side, then hang up: both sides end.
    await caller.page.getByRole('button', { name: 'Mute' }).click()
    expect(
      await caller.page.getByRole('button', { name: 'Unmute' }).getAttribute('aria-pressed')
    ).toBe('true')
    await caller.page.getByRole('button', { name: 'Unmute' }).click()
    await caller.page.getByRole('button', { name: 'Hang up' }).click()
    for (const p of [caller.page, callee.page]) {
      await p.locator('#call-state', { hasText: 'ended' }).waitFor({ timeout: 20_000 })
      expect((await media(p)).pc).toBe('closed')
    }
  }, 180_000)
})
