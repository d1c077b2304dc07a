/**
 * Issue 14, finding 10: the login page's `next=` must not send a person who just logged in to
 * another site. Browsers read `\` as `/` in http(s) URLs, so `/\evil.example` is
 * `//evil.example`, a different origin; tabs and newlines are dropped from URLs, so `/\t/evil`
 * is one too. The login page (the edge's real HTML and script) is driven as a browser would:
 * fill the form, submit, and see where the script navigates.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import { signUp, uniqueEmail } from '../integration/ellis-support'
import { endpoints } from '../support/cloud'
import { openPortalPage } from './portal-page'

const edge = () => endpoints().edges.a
const email = uniqueEmail('portal-next')

async function logInWithNext(next: string): Promise<URL> {
  const page = await openPortalPage(edge(), `/login.html?next=${encodeURIComponent(next)}`)
  page.el('email').value = email
  page.el('password').value = 'secret-pw'
  page.submit('login-form')
  const deadline = Date.now() + 15_000
  while (page.navigations.length === 0 && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 50))
  expect(page.el('status').textContent).not.toMatch(/not right|went wrong/)
  expect(page.navigations).toHaveLength(1)
  return page.navigations[0]!
}

describe('login next= (open redirect)', () => {
  beforeAll(async () => {
    await signUp(email)
  })

  for (const evil of [
    '/\\evil.example',
    '/\\/evil.example/x',
    '//evil.example',
    '/\t/evil.example',
    '/\n/evil.example',
    'https://evil.example/',
    'javascript:alert(1)',
  ]) {
    it(`stays on the portal for next=${JSON.stringify(evil)}`, async () => {
      const target = await logInWithNext(evil)
      expect(target.origin).toBe(new URL(edge()).origin)
      expect(target.pathname).toBe('/lines.html')
    })
  }

  it('still follows a same-site next= (the victim of nothing keeps the feature)', async () => {
    const target = await logInWithNext('/settings.html?line=sip%3A6505550000%40example.com')
    expect(target.origin).toBe(new URL(edge()).origin)
    expect(target.pathname).toBe('/settings.html')
    expect(target.searchParams.get('line')).toBe('sip:6505550000@example.com')
  })
})
