import { describe, expect, it } from 'vitest'
import { safeNext } from './auth-pages'

const origin = 'https://portal.example'

describe('safeNext (where the login page goes next)', () => {
  it('follows a path of the portal, with its query and fragment', () => {
    expect(safeNext('/settings.html?line=sip%3A1%40x#cdiv', origin)).toBe(
      '/settings.html?line=sip%3A1%40x#cdiv'
    )
  })

  it.each([
    undefined,
    '',
    'lines.html',
    '//evil.example',
    '/\\evil.example',
    '/\\/evil.example',
    '/\t/evil.example',
    '/\n/evil.example',
    'https://evil.example/',
    'javascript:alert(1)',
    '/%2F/evil.example',
  ])('refuses %j', (raw) => {
    const to = safeNext(raw, origin)
    expect(new URL(to, origin).origin).toBe(origin)
    expect(to === '/lines.html' || to === '/%2F/evil.example').toBe(true)
  })
})
