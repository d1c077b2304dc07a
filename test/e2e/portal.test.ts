/**
 * The web portal in a real browser (Chromium via playwright-core) against the local cloud: two
 * people in two browser contexts, one per region's edge, sign up, get numbers, change MMTEL
 * settings, reset SIP and account passwords, delete a line and log out. Screenshots of the lines
 * and settings pages go to test-results/ellis-e2e/.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { endpoints } from '../support/cloud'
import { waitForReplication } from '../support/replication'
import { type Browser, newLineInPortal, openBrowser, screenshot, signUpInPortal } from './browser'

const unique = (tag: string) =>
  `${tag}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 5)}@example.com`

describe('web portal (Chromium)', () => {
  let alice: Browser
  let bob: Browser

  beforeAll(async () => {
    alice = await openBrowser(endpoints().edges.a)
    bob = await openBrowser(endpoints().edges.b)
  }, 60_000)

  afterAll(async () => {
    await alice?.close()
    await bob?.close()
  })

  it('signs up, gets a line, shows its SIP credentials once, and edits its call settings', async () => {
    const origin = endpoints().edges.a
    const page = alice.page
    const email = unique('alice')
    await page.goto(`${origin}/`)
    await page.getByText('You are not logged in.').waitFor()
    await signUpInPortal(page, origin, {
      email,
      password: 'alice-pw-1',
      fullName: 'Alice Portal',
      code: endpoints().signupCode,
    })

    const creds = await newLineInPortal(page)
    expect(creds.sipUri).toMatch(/^sip:\d{10}@example\.com$/)
    expect(creds.user).toBe(creds.sipUri.slice(4))
    expect(creds.password).toMatch(/^[a-zA-Z3-9]{9}$/)
    await expect
      .poll(() => page.evaluate('document.activeElement?.id'), { timeout: 15_000 })
      .toBe('credentials')
    const row = page.locator(`tr[data-line="${creds.sipUri}"]`)
    await expect.poll(() => row.count(), { timeout: 15_000 }).toBe(1)
    expect(await row.locator('td').nth(2).textContent()).toBe(creds.user)
    await screenshot(page, 'lines-page')
    await page.getByRole('button', { name: 'I have noted them' }).click()
    expect(await page.locator('#credentials').isHidden()).toBe(true)

    // Every form control on the lines and settings pages has a label.
    const unlabelled = () =>
      page.evaluate<string[]>(
        "[...document.querySelectorAll('input, select')].filter((e) => e.labels?.length === 0).map((e) => e.id)"
      )
    expect(await unlabelled()).toEqual([])

    await row.getByRole('link', { name: 'Settings' }).click()
    await page.waitForURL(/\/settings\.html\?line=/)
    await page.locator('#settings-form').waitFor({ state: 'visible' })
    expect(await page.getByLabel('Call forwarding on').isChecked()).toBe(true)
    expect(
      await page.getByLabel('Ring for this many seconds before "no answer" forwarding').inputValue()
    ).toBe('30')

    // Hide my number, forward on no answer after 15 s, block international calls.
    await page.getByLabel('When I call, by default').selectOption('hide')
    await page.getByLabel('Ring for this many seconds before "no answer" forwarding').fill('15')
    await page.getByRole('button', { name: 'Add forwarding rule' }).click()
    const rule = page.locator('#cdiv-rules fieldset').last()
    expect(await rule.getByLabel('no answer').isChecked()).toBe(true)
    await expect
      .poll(() => page.evaluate("document.activeElement?.classList.contains('c-target')"), {
        timeout: 15_000,
      })
      .toBe(true)
    await rule.getByLabel('Forward to').fill('6505550123')
    await page.getByRole('button', { name: 'Add outgoing rule' }).click()
    const ocb = page.locator('#ocb-rules fieldset').last()
    await ocb.getByLabel('For').selectOption('international')
    await ocb.getByLabel('Then').selectOption('block')
    expect(await unlabelled()).toEqual([])
    // The default "all calls: allow" rule would make the block rule useless: the page says so.
    await page.getByRole('button', { name: 'Save settings' }).click()
    await page
      .getByText(/Outgoing barring: rule 2 blocks calls, but rule 1 allows all calls/)
      .waitFor()
    await page
      .locator('#ocb-rules fieldset')
      .first()
      .getByRole('button', { name: 'Remove this rule' })
      .click()
    expect(await page.locator('#ocb-rules fieldset legend').allTextContents()).toEqual([
      'Outgoing rule 1',
    ])

    // A value out of range is named before anything is sent.
    await page.getByLabel('Ring for this many seconds before "no answer" forwarding').fill('500')
    await page.getByRole('button', { name: 'Save settings' }).click()
    await page
      .getByText(/No-reply timer: must be a whole number of seconds from 5 to 180/)
      .waitFor()
    await page.getByLabel('Ring for this many seconds before "no answer" forwarding').fill('15')
    await page.getByRole('button', { name: 'Save settings' }).click()
    await page.getByText('Settings saved.').waitFor()
    await screenshot(page, 'settings-page')

    // What Homer now holds (read through the API with the page's own session).
    const xml = await (
      await alice.context.request.get(
        `${origin}/api/accounts/${email}/numbers/${encodeURIComponent(creds.sipUri)}/simservs`
      )
    ).text()
    expect(xml).toContain('<NoReplyTimer>15</NoReplyTimer>')
    expect(xml).toContain('<default-behaviour>presentation-restricted</default-behaviour>')
    expect(xml).toMatch(
      /<cp:conditions><no-answer\/><\/cp:conditions><cp:actions><forward-to><target>sip:6505550123@example\.com<\/target>/
    )
    expect(xml).toMatch(
      /<cp:rule id="rule0"><cp:conditions><international\/><\/cp:conditions><cp:actions><allow>false<\/allow>/
    )

    // After a reload the form shows the stored settings.
    await page.reload()
    await page.locator('#settings-form').waitFor({ state: 'visible' })
    expect(await page.getByLabel('When I call, by default').inputValue()).toBe('hide')
    expect(await page.locator('#cdiv-rules fieldset').count()).toBe(1)
    expect(
      await page.locator('#cdiv-rules fieldset').first().getByLabel('Forward to').inputValue()
    ).toBe('sip:6505550123@example.com')

    // Log out: the lines page now sends us to the login page.
    await page.getByRole('button', { name: 'Log out' }).click()
    await page.waitForURL(`${origin}/login.html`)
    await page.goto(`${origin}/lines.html`)
    await page.waitForURL(/\/login\.html\?next=/)
  }, 120_000)

  it('logs in, resets a SIP password, deletes a line, and recovers a forgotten password', async () => {
    const origin = endpoints().edges.b
    const page = bob.page
    const email = unique('bob')
    await signUpInPortal(page, origin, {
      email,
      password: 'bob-pw-1',
      fullName: 'Bob Portal',
      code: endpoints().signupCode,
    })
    await page.getByRole('button', { name: 'Log out' }).click()
    await page.waitForURL(`${origin}/login.html`)

    await page.getByLabel('E-mail address').fill(email)
    await page.getByLabel('Password').fill('not-my-password')
    await page.getByRole('button', { name: 'Log in' }).click()
    await page.getByText('The e-mail address or password is not right.').waitFor()
    await page.getByLabel('Password').fill('bob-pw-1')
    await page.getByRole('button', { name: 'Log in' }).click()
    await page.waitForURL(`${origin}/lines.html`)

    const first = await newLineInPortal(page)
    await page.getByRole('button', { name: 'I have noted them' }).click()
    const row = page.locator(`tr[data-line="${first.sipUri}"]`)
    await row.getByRole('button', { name: /New SIP password/ }).click()
    await page.locator('#credentials').waitFor({ state: 'visible' })
    const again = (await page.locator('#cred-password').textContent()) ?? ''
    expect(again).toMatch(/^[a-zA-Z3-9]{9}$/)
    expect(again).not.toBe(first.password)
    await page.getByRole('button', { name: 'I have noted them' }).click()

    await row.getByRole('button', { name: /Delete/ }).click()
    await page.getByText(/deleted\.$/).waitFor()
    await page.getByText('You have no numbers yet.').waitFor()

    // Forgotten password: the mail's link (read from the outbox with the API key) resets it.
    await page.getByRole('button', { name: 'Log out' }).click()
    await page.waitForURL(`${origin}/login.html`)
    await page.getByRole('link', { name: 'Forgot your password?' }).click()
    await page.getByLabel('E-mail address').fill(email)
    await page.getByRole('button', { name: 'Send me a reset link' }).click()
    await page.getByText(/a link to reset the password is on its way/).waitFor()
    const box = (await (
      await fetch(`${origin}/api/outbox/${email}`, {
        headers: { 'ngv-api-key': endpoints().ellisApiKey },
      })
    ).json()) as {
      messages: Array<{ link: string }>
    }
    const link = box.messages[0]!.link
    expect(link.startsWith(`${origin}/reset.html?`)).toBe(true)
    // The link's token was stored by the region that took the request; the account's shard
    // owner redeems it once its replica has the token (MREC), as a mail's reader would find.
    await waitForReplication()
    await page.goto(link)
    expect(await page.getByLabel('E-mail address').inputValue()).toBe(email)
    await page.getByLabel('New password').fill('bob-pw-2')
    await page.getByRole('button', { name: 'Set password' }).click()
    await page.waitForURL(`${origin}/login.html?reset=1`)
    await page.getByText('Your password was changed.').waitFor()
    await page.getByLabel('E-mail address').fill(email)
    await page.getByLabel('Password').fill('bob-pw-2')
    await page.getByRole('button', { name: 'Log in' }).click()
    await page.waitForURL(`${origin}/lines.html`)
  }, 120_000)
})
