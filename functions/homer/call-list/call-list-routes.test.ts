import { describe, expect, it, vi } from 'vitest'
import {
  API_KEY_FAILURE_WINDOW_S,
  apiKeyFailureKey,
  UNVOUCHED_SOURCE,
} from '../../../shared/http/api-key-guard'
import { vouchHeaders } from '../../../shared/http/client-vouch'
import { createLogger } from '../../../shared/log/logger'
import { TableCallListStore } from '../../../shared/vellum/call-list-store'
import { BASE, homerHarness, SECRET } from '../../../test/support/kits/homer-kit'
import { clientSource } from '../client-source'
import { type CallListLimits, DEFAULT_CALL_LIST_LIMITS } from './call-list-config'
import { acceptsGzip, CALL_LIST_CONTENT_TYPE, createCallListRoutes } from './call-list-routes'

const IMPI = '6505550001@example.com'
const ALICE = 'sip:6505550001@example.com'
const BOB = 'sip:6505550002@example.com'
const API_KEY = 'unit-test-api-key'
const listPath = (impu: string) =>
  `/org.projectclearwater.call-list/users/${encodeURIComponent(impu)}/call-list.xml`

function setup(limits: CallListLimits = DEFAULT_CALL_LIST_LIMITS) {
  const h = homerHarness()
  h.subscribers.set(IMPI, { password: 'secret9', plaintext: true, publicIds: [ALICE] })
  const store = new TableCallListStore(h.vellum.table)
  const log = createLogger({ component: 'call-list-test' }, { level: 'error' })
  const refused = new Map<string, number>()
  h.app.route(
    '/',
    createCallListRoutes(() => ({
      store,
      access: h.deps.access,
      apiKeyGuard: {
        kv: h.vellum.kv,
        clock: h.clock,
        log,
        limits: { failures: limits.apiKeyFailures, windowS: API_KEY_FAILURE_WINDOW_S },
        refused,
        apiKey: API_KEY,
      },
      source: clientSource,
      limits,
      log,
    }))
  )
  const call = (impu: string, callId: string, startMs: number) =>
    store.write(
      impu,
      {
        kind: 'BEGIN',
        callId,
        startMs,
        outgoing: true,
        from: { uri: impu, name: 'Alice' },
        to: { uri: BOB, name: '' },
        answerMs: startMs + 1000,
      },
      h.clock.now(),
      604_800
    )
  /** GET as a UE: the challenge, then the answer with `password`. */
  async function digestGet(
    path: string,
    password = 'secret9',
    headers: Record<string, string> = {}
  ) {
    const first = await h.request(path, { headers })
    expect(first.status).toBe(401)
    const challenge = first.headers.get('www-authenticate')!.split(/,\s*(?=Digest )/)[1]!
    const authorization = await h.authorization({
      challenge,
      impi: IMPI,
      password,
      method: 'GET',
      path,
      algorithm: 'MD5',
    })
    return h.request(path, { headers: { ...headers, authorization } })
  }
  return { h, store, call, digestGet }
}

describe("Memento's call-list API", () => {
  it('serves the subscriber its own list after HTTP Digest with its SIP credentials', async () => {
    const s = setup()
    await s.call(ALICE, 'c1', s.h.clock.now())
    const res = await s.digestGet(listPath(ALICE))
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe(CALL_LIST_CONTENT_TYPE)
    const xml = await res.text()
    expect(xml).toMatch(
      /^<\?xml[^>]*\?><call-list><calls><call><to><URI>sip:6505550002@example.com<\/URI>/
    )
    expect(xml).toContain('<answered>1</answered><outgoing>1</outgoing>')
  })

  it('an empty list is <call-list><calls></calls></call-list>', async () => {
    const s = setup()
    const res = await s.digestGet(listPath(ALICE))
    expect(await res.text()).toContain('<call-list><calls></calls></call-list>')
  })

  it('a wrong password is 403 (live test 77)', async () => {
    const s = setup()
    const res = await s.digestGet(listPath(ALICE), 'not-the-password')
    expect(res.status).toBe(403)
  })

  it("another user's list is 404 (live test 78)", async () => {
    const s = setup()
    await s.call(BOB, 'c1', s.h.clock.now())
    const res = await s.digestGet(listPath(BOB))
    expect(res.status).toBe(404)
    expect(await res.text()).not.toContain('<call-list>')
  })

  it('every method but GET is 405 with Allow: GET', async () => {
    const s = setup()
    for (const method of ['PUT', 'POST', 'DELETE', 'PATCH']) {
      const res = await s.h.request(listPath(ALICE), { method, body: '<x/>' })
      expect(res.status).toBe(405)
      expect(res.headers.get('allow')).toBe('GET')
    }
  })

  it('NGV-API-Key opens any list; a wrong key is 403', async () => {
    const s = setup()
    await s.call(BOB, 'c9', s.h.clock.now())
    const ok = await s.h.request(listPath(BOB), { headers: { 'NGV-API-Key': API_KEY } })
    expect(ok.status).toBe(200)
    expect(await ok.text()).toContain('<calls><call>')
    const bad = await s.h.request(listPath(BOB), { headers: { 'NGV-API-Key': 'guess' } })
    expect(bad.status).toBe(403)
  })

  it('a request signed for the trusted zone (the portal through Ellis) reads any list', async () => {
    const s = setup()
    await s.call(BOB, 'c9', s.h.clock.now())
    const res = await s.h.signed('GET', listPath(BOB))
    expect(res.status).toBe(200)
  })

  it('an identity that is not a SIP or tel URI has no list (404)', async () => {
    const s = setup()
    const res = await s.h.request(listPath('not-a-uri'), { headers: { 'NGV-API-Key': API_KEY } })
    expect(res.status).toBe(404)
  })

  it('is gzip-encoded when Accept-Encoding allows it', async () => {
    const s = setup()
    await s.call(ALICE, 'c1', s.h.clock.now())
    const res = await s.digestGet(listPath(ALICE), 'secret9', {
      'accept-encoding': 'gzip, deflate',
    })
    expect(res.headers.get('content-encoding')).toBe('gzip')
    const bytes = new Uint8Array(await res.arrayBuffer())
    expect([bytes[0], bytes[1]]).toEqual([0x1f, 0x8b])
    const text = await new Response(
      new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'))
    ).text()
    expect(text).toContain('<calls><call>')
  })

  it('reads Accept-Encoding as RFC 9110 §12.5.3 says', () => {
    expect(acceptsGzip(undefined)).toBe(false)
    expect(acceptsGzip('identity')).toBe(false)
    expect(acceptsGzip('gzip;q=0, identity')).toBe(false)
    expect(acceptsGzip('br, GZIP;q=0.5')).toBe(true)
    expect(acceptsGzip('*')).toBe(true)
  })

  it('MEMENTO_MAX_CALLS: the newest calls are listed and older ones deleted', async () => {
    const s = setup({ ...DEFAULT_CALL_LIST_LIMITS, maxCalls: 2, maxFragments: 100 })
    const t = s.h.clock.now()
    for (let i = 0; i < 4; i++) await s.call(ALICE, `c${i}`, t + i * 1000)
    const res = await s.h.request(listPath(ALICE), { headers: { 'NGV-API-Key': API_KEY } })
    expect((await res.text()).match(/<call>/g)).toHaveLength(2)
    const left = await s.store.read(ALICE, { maxFragments: 100 })
    expect(left.fragments.map((f) => f.callId)).toEqual(['c3', 'c2'])
  })
})

describe('NGV-API-Key guessing on the call-list API', () => {
  const LIMIT = 3
  const limits = { ...DEFAULT_CALL_LIST_LIMITS, apiKeyFailures: LIMIT }
  /** GET with `key`, the edge vouching for `ip` (none: a caller nobody vouches for). */
  async function keyed(s: ReturnType<typeof setup>, key: string, ip?: string, extra = {}) {
    const path = listPath(BOB)
    const vouch = ip ? await vouchHeaders(SECRET, 'GET', `${BASE}${path}`, undefined, ip) : {}
    return s.h.request(path, { headers: { ...vouch, ...extra, 'NGV-API-Key': key } })
  }

  it('refuses a source after its budget (429 even for the right key) until the window ends', async () => {
    const s = setup(limits)
    for (let i = 0; i < LIMIT; i++)
      expect((await keyed(s, `guess-${i}`, '203.0.113.5')).status).toBe(403)
    const cut = await keyed(s, API_KEY, '203.0.113.5')
    expect(cut.status).toBe(429)
    expect(Number(cut.headers.get('retry-after'))).toBe(API_KEY_FAILURE_WINDOW_S)
    // The operator's own source is served meanwhile.
    expect((await keyed(s, API_KEY, '198.51.100.5')).status).toBe(200)
    s.h.advance(API_KEY_FAILURE_WINDOW_S * 1000 + 1000)
    expect((await keyed(s, API_KEY, '203.0.113.5')).status).toBe(200)
  })

  it("counts in Ellis's counter of wrong operator keys for that address", async () => {
    const s = setup(limits)
    await s.h.vellum.kv.incr(apiKeyFailureKey('203.0.113.6'), { ttlSeconds: 3600 })
    await s.h.vellum.kv.incr(apiKeyFailureKey('203.0.113.6'), { ttlSeconds: 3600 })
    expect((await keyed(s, 'guess', '203.0.113.6')).status).toBe(403)
    expect(await s.h.vellum.kv.get(apiKeyFailureKey('203.0.113.6'))).toBe(3)
    expect((await keyed(s, API_KEY, '203.0.113.6')).status).toBe(429)
  })

  it('an address the caller names itself or a forged vouch is no source of its own', async () => {
    const s = setup(limits)
    const forged = await vouchHeaders(
      'not-the-hop-secret-0123456789abc',
      'GET',
      `${BASE}${listPath(BOB)}`,
      undefined,
      '192.0.2.1'
    )
    const guesses = [
      await keyed(s, 'guess-1', undefined, { 'x-edgewater-client-ip': '192.0.2.1' }),
      await keyed(s, 'guess-2', undefined, { 'x-forwarded-for': '192.0.2.2' }),
      await s.h.request(listPath(BOB), { headers: { ...forged, 'NGV-API-Key': 'guess-3' } }),
    ]
    expect(guesses.map((r) => r.status)).toEqual([403, 403, 403])
    expect(await s.h.vellum.kv.get(apiKeyFailureKey(UNVOUCHED_SOURCE))).toBe(LIMIT)
    expect((await keyed(s, API_KEY, undefined, { 'x-forwarded-for': '192.0.2.3' })).status).toBe(
      429
    )
    // A vouched source is unaffected.
    expect((await keyed(s, API_KEY, '198.51.100.8')).status).toBe(200)
  })

  it('a right key costs no store command', async () => {
    const s = setup(limits)
    const kv = s.h.vellum.kv
    const spies = [vi.spyOn(kv, 'get'), vi.spyOn(kv, 'incr'), vi.spyOn(kv, 'set')]
    expect((await keyed(s, API_KEY, '198.51.100.9')).status).toBe(200)
    for (const spy of spies) expect(spy).not.toHaveBeenCalled()
  })
})
