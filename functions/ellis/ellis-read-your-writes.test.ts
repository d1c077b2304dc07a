import { describe, expect, it } from 'vitest'
import type { Region } from '../../shared/config/regions'
import { ReplicatedMemoryTable } from '../../shared/vellum/memory-replicated-table'
import { type EllisKit, ellisKit, json, SIGNUP_CODE } from '../../test/support/kits/ellis-kit'
import { waitUntil } from './read-your-writes'
import { accountShard, homeOf } from './shard-directory'

/**
 * A sign-up or deletion that a region forwards to the e-mail's owner region answers only once
 * the forwarding region's own replica shows it (bounded), so the user's next request through the
 * same region (the login) reads its own write (docs/geo-redundancy.md).
 */

const LAG_MS = 500

function setup(readYourWritesMs: number) {
  let t = Date.UTC(2026, 10, 21, 12, 0, 0)
  const clock = { now: () => t, advance: (ms: number) => void (t += ms) }
  const table = new ReplicatedMemoryTable(clock, LAG_MS)
  const kit = ellisKit({ replicated: table, readYourWritesMs })
  let advanced = 0
  const advance = (ms: number) => {
    kit.clock.advance(ms)
    clock.advance(ms)
    advanced += ms
  }
  return { kit, advance, advanced: () => advanced }
}

/** An address whose e-mail shard belongs to `home`. */
function emailOwnedBy(home: Region, tag: string): string {
  for (let i = 0; ; i++) {
    const e = `${tag}${i}@example.com`
    if (homeOf(accountShard(e)) === home) return e
  }
}

const signUp = (kit: EllisKit, region: Region, email: string) =>
  kit.request(region, 'POST', '/api/accounts', {
    headers: { ...json, 'ngv-signup-code': SIGNUP_CODE },
    body: JSON.stringify({ email, password: 'secret-pw', full_name: 'Forwarded User' }),
  })

const login = (kit: EllisKit, region: Region, email: string) =>
  kit.request(region, 'POST', '/api/session', {
    headers: json,
    body: JSON.stringify({ email, password: 'secret-pw' }),
  })

/**
 * Awaits `pending` while the replicated table's clock moves on in 50 ms steps (replication
 * follows that clock); resolves to the answer once it arrives.
 */
async function whileTimePasses<T>(pending: Promise<T>, advance: (ms: number) => void): Promise<T> {
  let done = false
  const out = pending.finally(() => {
    done = true
  })
  while (!done) {
    await new Promise((r) => setTimeout(r, 20))
    if (!done) advance(50)
  }
  return out
}

describe('waitUntil', () => {
  it('resolves true as soon as the probe holds, reading again after each pause', async () => {
    let reads = 0
    const slept: number[] = []
    const seen = await waitUntil(async () => ++reads === 3, {
      limitMs: 1000,
      pollMs: 100,
      now: () => 0,
      sleep: async (ms) => void slept.push(ms),
    })
    expect(seen).toBe(true)
    expect(reads).toBe(3)
    expect(slept).toEqual([100, 100])
  })

  it('gives up at the bound, and does not read at all with a bound of 0', async () => {
    let t = 0
    let reads = 0
    const probe = async () => {
      reads++
      return false
    }
    const opts = { pollMs: 100, now: () => t, sleep: async (ms: number) => void (t += ms) }
    expect(await waitUntil(probe, { ...opts, limitMs: 350 })).toBe(false)
    expect(reads).toBe(5) // at 0, 100, 200, 300 and 400 ms
    reads = 0
    expect(await waitUntil(probe, { ...opts, limitMs: 0 })).toBe(false)
    expect(reads).toBe(0)
  })
})

describe('Ellis: read-your-writes after a forwarded account write', () => {
  it('answers a forwarded sign-up once this region can log the user in', async () => {
    const { kit, advance, advanced } = setup(5000)
    const email = emailOwnedBy('b', 'ryw')
    const created = await whileTimePasses(signUp(kit, 'a', email), advance)
    expect(created.status).toBe(201)
    // The answer waited for replication to region a…
    expect(advanced()).toBeGreaterThanOrEqual(LAG_MS)
    // …so the login through the same region works at once, with no more time passing.
    expect((await login(kit, 'a', email)).status).toBe(201)
  })

  it('without the wait, that login right after the sign-up is refused', async () => {
    const { kit } = setup(0)
    const email = emailOwnedBy('b', 'nowait')
    expect((await signUp(kit, 'a', email)).status).toBe(201)
    expect((await login(kit, 'a', email)).status).toBe(403)
  })

  it('answers a forwarded deletion once this region no longer logs the user in', async () => {
    const { kit, advance } = setup(5000)
    const email = emailOwnedBy('b', 'gone')
    expect((await whileTimePasses(signUp(kit, 'a', email), advance)).status).toBe(201)
    const session = await login(kit, 'a', email)
    const cookie = session.headers.getSetCookie()[0]!.split(';')[0]!
    const deleted = await whileTimePasses(
      kit.request('a', 'DELETE', `/api/accounts/${email}`, { headers: { cookie } }),
      advance
    )
    expect(deleted.status).toBe(204)
    expect((await login(kit, 'a', email)).status).toBe(403)
  })

  it('answers a forwarded logout once the cookie no longer works in this region', async () => {
    const { kit, advance } = setup(5000)
    const email = emailOwnedBy('b', 'logout')
    expect((await whileTimePasses(signUp(kit, 'a', email), advance)).status).toBe(201)
    const session = await login(kit, 'a', email)
    const cookie = session.headers.getSetCookie()[0]!.split(';')[0]!
    expect((await kit.request('a', 'GET', '/api/session', { headers: { cookie } })).status).toBe(
      200
    )
    const out = await whileTimePasses(
      kit.request('a', 'DELETE', '/api/session', { headers: { cookie } }),
      advance
    )
    expect(out.status).toBe(204)
    expect((await kit.request('a', 'GET', '/api/session', { headers: { cookie } })).status).toBe(
      403
    )
  })

  it('answers a sign-up in the owner region itself without waiting', async () => {
    const { kit, advanced } = setup(5000)
    const email = emailOwnedBy('a', 'local')
    expect((await signUp(kit, 'a', email)).status).toBe(201)
    expect(advanced()).toBe(0)
    expect((await login(kit, 'a', email)).status).toBe(201)
  })
})
