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
  })

  it('takes the shards of a region that is down (epoch bump) and hands them back when it returns', async () => {
    const kit = ellisKit()
    const before = await shardsOf(kit, 'a')
    expect(before.accounts.filter((s) => s.owner === 'b')).toHaveLength(8)
    kit.down.add('b')
    // Sign-ups whose e-mail shard belongs to b still work through a.
    const emails = Array.from({ length: 10 }, (_, i) => `down${i}@example.com`)
    for (const email of emails) {
      const r = await kit.request('a', 'POST', '/api/accounts', {
        headers: { ...json, 'ngv-signup-code': SIGNUP_CODE },
        body: JSON.stringify({ email, password: 'secret-pw', full_name: email }),
      })
      expect(r.status).toBe(201)
    }
    const during = await shardsOf(kit, 'a')
    for (const domain of ['numbers', 'accounts'] as const)
      for (const s of during[domain]) {
        expect(s.owner).toBe('a')
        const old = before[domain].find((x) => x.shard === s.shard)!
        expect(s.epoch).toBe(old.home === 'b' ? old.epoch + 1 : old.epoch)
      }
    // A duplicate is still a duplicate while a holds b's shards.
    const dup = await kit.request('a', 'POST', '/api/accounts', {
      headers: { ...json, 'ngv-signup-code': SIGNUP_CODE },
      body: JSON.stringify({ email: emails[3], password: 'secret-pw', full_name: 'x' }),
    })
    expect(dup.status).toBe(409)

    kit.down.delete('b')
    const rebalance = await kit.request('b', 'POST', '/api/shards/rebalance', { headers: admin })
    expect(rebalance.status).toBe(200)
    expect(((await rebalance.json()) as { askedBack: number }).askedBack).toBe(24)
    await kit.settle()
    const after = await shardsOf(kit, 'b')
    for (const domain of ['numbers', 'accounts'] as const)
      for (const s of after[domain]) {
        expect(s.owner).toBe(s.home)
        const old = before[domain].find((x) => x.shard === s.shard)!
        expect(s.epoch).toBe(old.home === 'b' ? old.epoch + 2 : old.epoch)
      }
    expect((await kit.request('b', 'GET', '/api/shards', {})).status).toBe(403)
  })

  it('a region holding foreign shards hands them back once the peer answers its ping', async () => {
    const kit = ellisKit()
    await shardsOf(kit, 'a')
    // An address whose e-mail shard is b's: signing it up through a while b is down moves shards.
    const email = Array.from({ length: 50 }, (_, i) => `solo${i}@example.com`).find(
      (e) => homeOf(accountShard(e)) === 'b'
    )!
    kit.down.add('b')
    await signUp(kit, email, 'a')
    expect((await shardsOf(kit, 'a')).accounts.every((s) => s.owner === 'a')).toBe(true)
    // Still down: no hand-back (the ping fails).
    const early = await kit.request('a', 'POST', '/api/shards/rebalance', { headers: admin })
    expect(await early.json()).toEqual({ askedBack: 0, handedBack: 0 })
    kit.down.delete('b')
    const r = await kit.request('a', 'POST', '/api/shards/rebalance', { headers: admin })
    expect(await r.json()).toEqual({ askedBack: 0, handedBack: 24 })
    const after = await shardsOf(kit, 'a')
    expect([...after.accounts, ...after.numbers].every((s) => s.owner === s.home)).toBe(true)
    // The account created during the outage is there for both regions.
    const login = await kit.request('b', 'POST', '/api/session', {
      headers: json,
      body: JSON.stringify({ email, password: 'secret-pw' }),
    })
    expect(login.status).toBe(201)
  })
})
