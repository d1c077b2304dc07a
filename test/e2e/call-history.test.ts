/**
 * The portal's call history (docs/memento.md) in Chromium (playwright-core) against the local
 * cloud: a person signs up and gets a line, whose default iFC invokes the built-in Memento; a
 * sip.js phone registered with that line's credentials calls another line, which answers; then
 * the person opens the line's call history from the Lines page and sees the call, outgoing and
 * answered. The page's API refuses a line the person does not own.
 */
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { established, type Line, newLine, Phone, terminated } from '../interop/calls-support'
import { mementoIfcs } from '../interop/memento-support'
import { endpoints } from '../support/cloud'
import { type Browser, newLineInPortal, openBrowser, screenshot, signUpInPortal } from './browser'

const unique = (tag: string) =>
  `${tag}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 5)}@example.com`

async function callHistoryRows(page: Page): Promise<string[]> {
  return page
    .locator('#calls tr.call-row')
    .evaluateAll((rows) => rows.map((r) => (r as unknown as { textContent: string }).textContent))
}

describe('call history in the portal', () => {
  let browser: Browser
  const phones: Phone[] = []

  beforeAll(async () => {
    browser = await openBrowser(endpoints().edges.a)
  }, 60_000)

  afterAll(async () => {
    await Promise.all(phones.map((p) => p.stop()))
    await browser?.close()
  })

  it("lists a line's answered call, and refuses another person's line", async () => {
    const origin = endpoints().edges.a
    const email = unique('history')
    await signUpInPortal(browser.page, origin, {
      email,
      password: 'history-pw',
      fullName: 'Hana History',
      code: endpoints().signupCode,
    })
    const mine = await newLineInPortal(browser.page)
    const line: Line = {
      impu: mine.sipUri,
      impi: mine.user,
      number: mine.sipUri.replace(/^sip:|@.*$/g, ''),
      password: mine.password,
    }
    const other = await newLine({ ifcs: mementoIfcs() })
    const [a, b] = await Promise.all([Phone.start(line), Phone.start(other)])
    phones.push(a, b)
    const call = a.call(other.impu)
    await (await b.nextCall()).answer()
    expect((await call.final).status).toBe(200)
    await established(call.inviter)
    await call.bye()
    await terminated(call.inviter)

    const page = browser.page
    await page.goto(`${origin}/lines.html`)
    await page.getByRole('link', { name: 'Call history' }).first().click()
    await page.waitForURL(/\/calls\.html\?line=/)
    // The list is written after the call's answers: refresh until it shows.
    await expect
      .poll(
        async () => {
          await page.getByRole('button', { name: 'Refresh' }).click()
          return (await callHistoryRows(page)).length
        },
        { timeout: 20_000, interval: 1_000 }
      )
      .toBe(1)
    const [row] = await callHistoryRows(page)
    expect(row).toContain('Outgoing')
    expect(row).toContain(other.impu)
    expect(row).toContain('Answered')
    await screenshot(page, 'call-history')

    // Another person's line: Ellis refuses it (the number is not this account's).
    const status = await page.evaluate(
      async ([account, foreign]) =>
        (
          await fetch(
            `/api/accounts/${encodeURIComponent(account!)}/numbers/${encodeURIComponent(foreign!)}/call-list`,
            { credentials: 'same-origin' }
          )
        ).status,
      [email, other.impu]
    )
    expect(status).toBe(404)
  }, 120_000)
})
