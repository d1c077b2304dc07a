import { describe, expect, it } from 'vitest'
import { admin, ellisKit } from '../../test/support/kits/ellis-kit'
import { DEFAULT_PBKDF2_ITERATIONS } from './ellis-config'
import { hashPassword, needsRehash, verifyPassword } from './password-hash'
import { SIP_PASSWORD_ALPHABET, SIP_PASSWORD_LENGTH, secretsEqual, sipPassword } from './secrets'
import { readSessionCookie, signSession, verifySession } from './session-cookie'

describe('Ellis secrets', () => {
  it('hashes passwords with PBKDF2-SHA-256, parameters stored with the hash', async () => {
    const h = await hashPassword('correct horse', 1000)
    expect(h).toMatch(/^pbkdf2-sha256\$1000\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/)
    expect(await verifyPassword('correct horse', h)).toBe(true)
    expect(await verifyPassword('correct horsf', h)).toBe(false)
    expect(await hashPassword('correct horse', 1000)).not.toBe(h)
    expect(await verifyPassword('correct horse', h.replace('$1000$', '$1001$'))).toBe(false)
    expect(await verifyPassword('x', 'garbage')).toBe(false)
    expect(needsRehash(h, DEFAULT_PBKDF2_ITERATIONS)).toBe(true)
    expect(needsRehash(h, 1000)).toBe(false)
    expect(DEFAULT_PBKDF2_ITERATIONS).toBeGreaterThanOrEqual(600_000)
  })

  it('generates 48-bit SIP passwords over the look-alike-free alphabet', () => {
    expect(SIP_PASSWORD_ALPHABET).toHaveLength(50)
    expect(SIP_PASSWORD_LENGTH).toBe(9)
    expect(sipPassword(() => new Uint8Array(6))).toBe('aaaaaaaaa')
    // 2^48 - 1 in base 50 uses the top of the alphabet without overflowing 9 characters.
    expect(sipPassword(() => new Uint8Array(6).fill(255))).toHaveLength(9)
    const seen = new Set(Array.from({ length: 200 }, () => sipPassword()))
    expect(seen.size).toBe(200)
  })

  it('compares secrets without regard to length leaks and refuses a missing one', async () => {
    expect(await secretsEqual('abc', 'abc')).toBe(true)
    expect(await secretsEqual('abd', 'abc')).toBe(false)
    expect(await secretsEqual(undefined, '')).toBe(false)
  })

  it('signs session cookies with expiry and session version', async () => {
    const v = await signSession('k'.repeat(32), {
      email: 'a@example.com',
      expiresMs: 2000,
      sessionVersion: 7,
    })
    expect(await verifySession('k'.repeat(32), v, 1000)).toEqual({
      email: 'a@example.com',
      expiresMs: 2000,
      sessionVersion: 7,
    })
    expect(await verifySession('k'.repeat(32), v, 2000)).toBeUndefined()
    expect(await verifySession('j'.repeat(32), v, 1000)).toBeUndefined()
    const parts = v.split('.')
    parts[2] = '8'
    expect(await verifySession('k'.repeat(32), parts.join('.'), 1000)).toBeUndefined()
    expect(readSessionCookie(`a=1; username=${v}; b=2`)).toBe(v)
  })
})

describe('Ellis OpenAPI document', () => {
  it('describes every public route and is browsable without external scripts', async () => {
    const kit = ellisKit()
    const doc = (await (await kit.request('a', 'GET', '/api/openapi.json')).json()) as {
      openapi: string
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>
    }
    expect(doc.openapi).toBe('3.1.0')
    const ops = Object.entries(doc.paths).flatMap(([p, item]) =>
      Object.keys(item).map((m) => `${m.toUpperCase()} ${p}`)
    )
    for (const op of [
      'POST /api/accounts',
      'DELETE /api/accounts/{email}',
      'POST /api/accounts/{email}/password',
      'POST /api/session',
      'GET /api/accounts/{email}/numbers',
      'POST /api/accounts/{email}/numbers',
      'POST /api/accounts/{email}/numbers/{sip_uri}',
      'DELETE /api/accounts/{email}/numbers/{sip_uri}',
      'POST /api/accounts/{email}/numbers/{sip_uri}/password',
      'GET /api/accounts/{email}/numbers/{sip_uri}/simservs',
      'PUT /api/accounts/{email}/numbers/{sip_uri}/simservs',
      'GET /api/accounts/{email}/numbers/{sip_uri}/ifcs',
      'PUT /api/accounts/{email}/numbers/{sip_uri}/ifcs',
      'GET /api/accounts/{email}/numbers/{sip_uri}/listed',
      'PUT /api/accounts/{email}/numbers/{sip_uri}/listed/{flag}',
      'GET /api/gab',
      'GET /api/ping',
    ])
      expect(ops).toContain(op)
    expect(Object.keys(doc.paths['/api/accounts/{email}/numbers']!.post!.responses)).toEqual(
      expect.arrayContaining(['200', '403', '404', '502', '503'])
    )
    const page = await kit.request('b', 'GET', '/api/docs')
    const html = await page.text()
    expect(page.headers.get('content-type')).toContain('text/html')
    expect(html).toContain('<script src="/api/docs.js" defer></script>')
    expect(html).not.toMatch(/https?:\/\/(?!uri\.etsi)/)
    expect((await kit.request('b', 'GET', '/api/docs.js')).status).toBe(200)
    expect((await kit.request('a', 'GET', '/api/shards', { headers: admin })).status).toBe(200)
  })
})
