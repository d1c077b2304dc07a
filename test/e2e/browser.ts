/**
 * Browser helpers for the end-to-end tests: Debian's Chromium driven by playwright-core, each
 * context with a fresh user-data directory and fake media devices (a tone generator as the
 * microphone, no permission prompts), and screenshots saved under test-results/.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { type BrowserContext, chromium, type Page } from 'playwright-core'

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
export const ARTIFACTS = path.resolve('test-results', 'ellis-e2e')

const FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--use-fake-device-for-media-stream',
  '--use-fake-ui-for-media-stream',
]

export interface Browser {
  context: BrowserContext
  page: Page
  close(): Promise<void>
}

export async function openBrowser(origin: string): Promise<Browser> {
  const dir = mkdtempSync(path.join(tmpdir(), 'edgewater-e2e-'))
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: CHROMIUM,
    headless: true,
    args: FLAGS,
    viewport: { width: 1100, height: 900 },
  })
  await context.grantPermissions(['microphone'], { origin })
  const page = context.pages()[0] ?? (await context.newPage())
  page.on('dialog', (d) => void d.accept())
  return {
    context,
    page,
    async close() {
      await context.close()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true })
  const file = path.join(ARTIFACTS, `${name}.png`)
  await page.screenshot({ path: file, fullPage: true })
  return file
}

/** Signs up through the portal's form and waits for the lines page. */
export async function signUpInPortal(
  page: Page,
  origin: string,
  o: { email: string; password: string; fullName: string; code: string }
) {
  await page.goto(`${origin}/signup.html`)
  await page.getByLabel('Full name').fill(o.fullName)
  await page.getByLabel('E-mail address').fill(o.email)
  await page.getByLabel('Password', { exact: true }).fill(o.password)
  await page.getByLabel('Signup code').fill(o.code)
  await page.getByRole('button', { name: 'Create account' }).click()
  await page.waitForURL(`${origin}/lines.html`)
  await page.getByText(`Logged in as ${o.fullName}`).waitFor()
}

/** Gets a new number on the lines page; returns the credentials shown once. */
export async function newLineInPortal(
  page: Page
): Promise<{ sipUri: string; user: string; password: string }> {
  await page.getByRole('button', { name: 'Get a new number' }).click()
  const panel = page.locator('#credentials')
  await panel.waitFor({ state: 'visible' })
  return {
    sipUri: (await page.locator('#cred-uri').textContent()) ?? '',
    user: (await page.locator('#cred-user').textContent()) ?? '',
    password: (await page.locator('#cred-password').textContent()) ?? '',
  }
}
