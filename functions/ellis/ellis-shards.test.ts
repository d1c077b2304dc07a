import { describe, expect, it } from 'vitest'
import { keys } from '../../shared/vellum'
import {
  admin,
  type EllisKit,
  ellisKit,
  json,
  SIGNUP_CODE,
  signUp,
} from '../../test/support/kits/ellis-kit'
import { numbersOfShard } from './numbers/number-pool'
import { accountShard, homeOf, numberShard } from './shard-directory'

type Shards = {
  numbers: Array<{ shard: number; owner: string; home: string; epoch: number }>
  accounts: Array<{ shard: number; owner: string; home: string; epoch: number }>
}
const shardsOf = async (kit: EllisKit, region: 'a' | 'b') =>
  (await (await kit.request(region, 'GET', '/api/shards', { headers: admin })).json()) as Shards

const allocate = (kit: EllisKit, region: 'a' | 'b', email: string, cookie: string, query = '') =>
  kit.request(region, 'POST', `/api/accounts/${email}/numbers${query}`, { headers: { cookie } })

describe('number pool and shard ownership', () => {
  it('splits the pool into shards by region and seeds each shard from the configured ranges', () => {
    const pool = [{ from: '6505550000', to: '6505550999', pstn: false }]
    let total = 0
    for (let s = 0; s < 16; s++) {
      const ns = numbersOfShard(pool, s)
      for (const n of ns) expect(numberShard(n.number, false)).toBe(s)
      total += ns.length
    }
    expect(total).toBe(1000)
    expect(numbersOfShard(pool, 16)).toEqual([])
    expect(homeOf(0)).toBe('a')
    expect(homeOf(1)).toBe('b')
  })

  it('uses the other region’s shards when its own are empty, then answers 503 when the pool is', async () => {
    const pool = [{ from: '5550000', to: '5550011', pstn: false }]
    const kit = ellisKit({ pool })
    const cookie = await signUp(kit, 'ann@example.com')
    const got = new Set<string>()
    const servedBy = new Set<string>()
    for (let i = 0; i < 12; i++) {
      const r = await allocate(kit, i % 2 === 0 ? 'a' : 'b', 'ann@example.com', cookie)
      expect(r.status).toBe(200)
      servedBy.add(String(r.headers.get('x-edgewater-served-by')))
      got.add(((await r.json()) as { sip_uri: string }).sip_uri)
    }
    expect(got.size).toBe(12)
    const empty = await allocate(kit, 'a', 'ann@example.com', cookie)
    expect(empty.status).toBe(503)
    expect(await empty.json()).toMatchObject({ reason: 'No available numbers' })
    // Every number's item records this account as owner; the pool's free index is empty.
    for (const u of got)
      expect((await kit.vellum.table.get(keys.numberKey(u)))?.owner).toBe('ann@example.com')
    // The PSTN pool is empty from the start.
    const pstn = await allocate(kit, 'b', 'ann@example.com', cookie, '?pstn=true')
    expect(pstn.status).toBe(503)
    // Region a takes a number from b's shards only by asking b (internal take), never itself.
    const internalTakes = kit.calls.filter((c) => c.url.endsWith('/internal/pool/take'))
    expect(internalTakes.length).toBeGreaterThan(0)
  })

  it('allocates from PSTN ranges when asked', async () => {
    const kit = ellisKit({
      pool: [
        { from: '6505550000', to: '6505550009', pstn: false },
        { from: '2125550100', to: '2125550109', pstn: true },
      ],
    })
    const cookie = await signUp(kit, 'pat@example.com')
    const r = await allocate(kit, 'a', 'pat@example.com', cookie, '?pstn=true')
    expect(r.status).toBe(200)
    const n = (await r.json()) as { sip_uri: string; pstn: boolean }
    expect(n.pstn).toBe(true)
    expect(n.sip_uri).toMatch(/^sip:212555010\d@example\.com$/)
  })

  it('never gives one number to two accounts under concurrent allocation in both regions', async () => {
    const kit = ellisKit({ pool: [{ from: '5550000', to: '5550039', pstn: false }] })
    const users = await Promise.all(
      Array.from({ length: 4 }, async (_, i) => ({
        email: `u${i}@example.com`,
        cookie: await signUp(kit, `u${i}@example.com`),
      }))
    )
    const attempts = await Promise.all(
      Array.from({ length: 44 }, (_, i) => {
        const u = users[i % users.length]!
        return allocate(kit, i % 2 === 0 ? 'a' : 'b', u.email, u.cookie)
      })
    )
    const ok: string[] = []
    let unavailable = 0
    for (const r of attempts) {
      if (r.status === 200) ok.push(((await r.json()) as { sip_uri: string }).sip_uri)
      else {
        expect(r.status).toBe(503)
        unavailable++
      }
    }
    expect(new Set(ok).size).toBe(ok.length)
    expect(ok.length).toBe(40)
    expect(unavailable).toBe(4)
    // Each number is owned by exactly the account whose list shows it.
    const listed: string[] = []
    for (const u of users) {
      const list = (await (
        await kit.request('a', 'GET', `/api/accounts/${u.email}/numbers`, {
          headers: { cookie: u.cookie },
        })
      ).json()) as { numbers: Array<{ sip_uri: string }> }
      listed.push(...list.numbers.map((n) => n.sip_uri))
    }
    expect(listed.sort()).toEqual([...ok].sort())
  }, 20_000)

  it('never takes over the shards of a region that is down: its e-mails get 503, ours still sign up', async () => {
    const kit = ellisKit()
    const before = await shardsOf(kit, 'a')
    expect(before.accounts.filter((s) => s.owner === 'b')).toHaveLength(8)
    kit.down.add('b')
    const emails = Array.from({ length: 12 }, (_, i) => `down${i}@example.com`)
    const theirs = emails.filter((e) => homeOf(accountShard(e)) === 'b')
    const ours = emails.filter((e) => homeOf(accountShard(e)) === 'a')
    expect(theirs.length).toBeGreaterThan(0)
    expect(ours.length).toBeGreaterThan(0)
    for (const email of emails) {
      const r = await kit.request('a', 'POST', '/api/accounts', {
        headers: { ...json, 'ngv-signup-code': SIGNUP_CODE },
        body: JSON.stringify({ email, password: 'secret-pw', full_name: email }),
      })
      if (theirs.includes(email)) {
        expect(r.status).toBe(503)
        expect(r.headers.get('retry-after')).toBe('5')
        expect(((await r.json()) as { reason: string }).reason).toMatch(/region b.*unreachable/)
        expect(await kit.vellum.table.get(keys.accountKey(email))).toBeUndefined()
      } else expect(r.status).toBe(201)
    }
    // Ownership did not move.
    const during = await shardsOf(kit, 'a')
    expect(during).toEqual(before)
    // A duplicate of one of ours is still a duplicate.
    const dup = await kit.request('a', 'POST', '/api/accounts', {
      headers: { ...json, 'ngv-signup-code': SIGNUP_CODE },
      body: JSON.stringify({ email: ours[0], password: 'secret-pw', full_name: 'x' }),
    })
    expect(dup.status).toBe(409)
    // Back up: the same sign-ups now go through (forwarded to b).
    kit.down.delete('b')
    const r = await kit.request('a', 'POST', '/api/accounts', {
      headers: { ...json, 'ngv-signup-code': SIGNUP_CODE },
      body: JSON.stringify({ email: theirs[0], password: 'secret-pw', full_name: 'x' }),
    })
    expect(r.status).toBe(201)
    expect(
      kit.calls.some((c) => c.url === 'http://ellis-b.test/api/accounts' && c.method === 'POST')
    ).toBe(true)
  })

  it('a region holding foreign shards hands them back once the peer answers its ping', async () => {
    const kit = ellisKit()
    const before = await shardsOf(kit, 'a')
    // A shard of b's held by a (moved by an operator, or by an older release).
    for (const s of before.accounts.filter((x) => x.home === 'b'))
      await kit.vellum.table.update(keys.shardKey('accounts', s.shard), {
        set: { owner: 'a', epoch: s.epoch + 1 },
      })
    kit.clock.advance(3000) // past SHARD_CACHE_MS: both regions see the moved shards
    const email = Array.from({ length: 50 }, (_, i) => `solo${i}@example.com`).find(
      (e) => homeOf(accountShard(e)) === 'b'
    )!
    kit.down.add('b')
    await signUp(kit, email, 'a')
    // Still down: no hand-back (the ping fails).
    const early = await kit.request('a', 'POST', '/api/shards/rebalance', { headers: admin })
    expect(await early.json()).toEqual({ askedBack: 0, handedBack: 0 })
    kit.down.delete('b')
    const r = await kit.request('a', 'POST', '/api/shards/rebalance', { headers: admin })
    expect(await r.json()).toEqual({ askedBack: 0, handedBack: 8 })
    const after = await shardsOf(kit, 'a')
    expect([...after.accounts, ...after.numbers].every((s) => s.owner === s.home)).toBe(true)
    // The account created while a held the shard is there for both regions.
    const login = await kit.request('b', 'POST', '/api/session', {
      headers: json,
      body: JSON.stringify({ email, password: 'secret-pw' }),
    })
    expect(login.status).toBe(201)
  })
})
