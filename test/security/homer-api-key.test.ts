/**
 * Memento's call-list API on Homer, reached through the edge as an attacker reaches it:
 * - `NGV-API-Key` guessed as a header is limited per source (the client address the edge
 *   vouches for, `cf-connecting-ip`) in the one budget Ellis keeps for the same secret: after
 *   the budget (`HOMER_API_KEY_FAILURES`, 10 per hour) the source gets 429 with `Retry-After`
 *   before its key is compared, even for the right key, also at Ellis's `/ops/login`; naming
 *   another address in the request's own headers buys no fresh budget; the operator's own
 *   source is served; once the window has passed the right key works again from that source;
 * - wrong passwords for one identity on the Digest path are slowed down as on Ut (429 with
 *   `Retry-After`), and the owner gets in once the interval has passed.
 * Each run uses addresses of its own (RFC 3849 documentation prefix), so reruns on one cloud
 * start afresh.
 */
import { describe, expect, it } from 'vitest'
import { DEFAULT_CALL_LIST_LIMITS } from '../../functions/homer/call-list/call-list-config'
import { DEFAULT_UT_LIMITS } from '../../functions/homer/homer-config'
import { newLine } from '../interop/calls-support'
import { callListUrl, digestGet } from '../interop/memento-support'
import { advanceClock, endpoints } from '../support/cloud'

const run = Math.floor(Math.random() * 0xffff).toString(16)
const source = (n: number) => `2001:db8:${run}::${n}`
const LIMIT = DEFAULT_CALL_LIST_LIMITS.apiKeyFailures

const list = (impu: string, from: string, key: string, extra: Record<string, string> = {}) =>
  fetch(callListUrl(impu), {
    headers: { ...extra, 'cf-connecting-ip': from, 'NGV-API-Key': key },
  })

describe('NGV-API-Key guessed on the call-list API', () => {
  it('refuses the source after its budget, even the right key, until the window has passed', async () => {
    const line = await newLine()
    const attacker = source(66)
    const statuses: number[] = []
    for (let i = 0; i < LIMIT; i++)
      statuses.push((await list(line.impu, attacker, `guess-${i}`)).status)
    expect(statuses).toEqual(Array(LIMIT).fill(403))
    // The budget is spent: the right key from that source is refused before comparison…
    const right = await list(line.impu, attacker, endpoints().ellisApiKey)
    expect(right.status).toBe(429)
    const retryAfter = Number(right.headers.get('retry-after'))
    expect(retryAfter).toBeGreaterThan(0)
    // …whatever address the request names itself…
    const named = await list(line.impu, attacker, endpoints().ellisApiKey, {
      'x-edgewater-client-ip': source(67),
      'x-forwarded-for': source(68),
    })
    expect(named.status).toBe(429)
    // …and at Ellis's operator login too: one budget per source for the one secret.
    const login = await fetch(`${endpoints().edges.a}/ops/login`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/json', 'cf-connecting-ip': attacker },
      body: JSON.stringify({ api_key: endpoints().ellisApiKey }),
    })
    expect(login.status).toBe(429)
    // The operator's own source is served.
    const mine = await list(line.impu, source(7), endpoints().ellisApiKey)
    expect(mine.status).toBe(200)
    expect(await mine.text()).toContain('<call-list>')
    // Once the window has passed, the right key works again from that source.
    await advanceClock(retryAfter * 1000 + 1000)
    const back = await list(line.impu, attacker, endpoints().ellisApiKey)
    expect(back.status).toBe(200)
    expect(await back.text()).toContain('<call-list>')
  })
})

describe('wrong passwords on the call-list Digest path', () => {
  it('slow the identity down (429 with Retry-After); the owner gets in after the interval', async () => {
    const line = await newLine()
    const from = { 'cf-connecting-ip': source(90) }
    const statuses: number[] = []
    let slowed: Response | undefined
    for (let i = 0; i < DEFAULT_UT_LIMITS.failuresBeforeSlowdown + 4 && !slowed; i++) {
      const r = await digestGet(line.impu, { ...line, password: `guess-${i}` }, from)
      statuses.push(r.status)
      if (r.status === 429) slowed = r
    }
    // Below the mark each wrong password is answered 403 (Memento's status, live test 77).
    expect(statuses.slice(0, DEFAULT_UT_LIMITS.failuresBeforeSlowdown)).toEqual(
      Array(DEFAULT_UT_LIMITS.failuresBeforeSlowdown).fill(403)
    )
    expect(slowed).toBeDefined()
    const right = slowed!
    expect(Number(right.headers.get('retry-after'))).toBeGreaterThan(0)
    await advanceClock(Number(right.headers.get('retry-after')) * 1000)
    const back = await digestGet(line.impu, line, from)
    expect(back.status).toBe(200)
    expect(await back.text()).toContain('<call-list>')
  })
})
