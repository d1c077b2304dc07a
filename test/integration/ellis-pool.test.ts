/**
 * The number pool and account e-mails across two regions (architecture §5) on the local cloud:
 * concurrent allocations through both edges never hand one number to two accounts; with a region
 * down, the survivor takes its shards over (epoch bump) and keeps signing people up and giving
 * out numbers; after the region returns, its shards go back to it; the edge fails the API over.
 */
import { afterAll, describe, expect, it } from 'vitest'
import { accountShard, homeOf } from '../../functions/ellis/shard-directory'
import type { Region } from '../../shared/config/regions'
import { endpoints, regionDown, regionUp } from '../support/cloud'
import {
  admin,
  allocate,
  call,
  directApi,
  edgeApi,
  json,
  logIn,
  type NumberJson,
  signUp,
  uniqueEmail,
} from './ellis-support'

interface ShardRow {
  shard: number
  owner: Region
  home: Region
  epoch: number
}
type Shards = { numbers: ShardRow[]; accounts: ShardRow[] }

const shards = async (region: Region): Promise<Shards> =>
  (await (await call(directApi(region, '/shards'), { headers: admin() })).json()) as Shards

const rebalance = (region: Region) =>
  call(directApi(region, '/shards/rebalance'), { method: 'POST', headers: admin() })

const rows = (s: Shards) => [
  ...s.numbers.map((r) => ({ d: 'numbers', ...r })),
  ...s.accounts.map((r) => ({ d: 'accounts', ...r })),
]

describe('Ellis number pool and shards across regions', () => {
  afterAll(async () => {
    await regionUp('a')
    await regionUp('b')
  })

  it('never gives one number to two accounts when both regions allocate at once', async () => {
    await rebalance('a')
    await rebalance('b')
    const users = await Promise.all(
      Array.from({ length: 4 }, async (_, i) => {
        const email = uniqueEmail(`conc${i}`)
        return { email, cookie: await signUp(email, i % 2 ? 'b' : 'a') }
      })
    )
    const PER_REGION = 12
    const t0 = Date.now()
    const results = await Promise.all(
      Array.from({ length: 2 * PER_REGION }, (_, i) => {
        const u = users[i % users.length]!
        const region: Region = i % 2 ? 'b' : 'a'
        return allocate(region, u.email, u.cookie).then(async (r) => ({
          region,
          status: r.status,
          n: (await r.json()) as NumberJson,
        }))
      })
    )
    const ms = Date.now() - t0
    const ok = results.filter((r) => r.status === 200)
    const uris = ok.map((r) => r.n.sip_uri)
    const byRegion = {
      a: ok.filter((r) => r.region === 'a').length,
      b: ok.filter((r) => r.region === 'b').length,
    }
    console.log(
      `ellis pool: ${ok.length}/${results.length} concurrent allocations succeeded (edge a ${byRegion.a}, edge b ${byRegion.b}), ${new Set(uris).size} distinct numbers, ${ms} ms`
    )
    expect(results.map((r) => r.status)).toEqual(results.map(() => 200))
    expect(new Set(uris).size).toBe(uris.length)
    // Each account's list holds exactly the numbers it was given, and the table agrees.
    const listed: string[] = []
    for (const u of users) {
      const l = (await (
        await call(edgeApi('a', `/accounts/${u.email}/numbers`), { headers: { cookie: u.cookie } })
      ).json()) as { numbers: NumberJson[] }
      listed.push(...l.numbers.map((n) => n.sip_uri))
    }
    expect(listed.sort()).toEqual([...uris].sort())
  }, 120_000)

  it('takes a down region’s shards over, keeps serving, and hands them back when it returns', async () => {
    await rebalance('a')
    await rebalance('b')
    const before = await shards('a')
    expect(rows(before).every((r) => r.owner === r.home)).toBe(true)

    await regionDown('b')
    try {
      // Sign-ups through edge a, the first for an address whose e-mail shard is b's.
      const emails = Array.from({ length: 8 }, (_, i) => uniqueEmail(`outage${i}`))
      while (homeOf(accountShard(emails[0]!)) !== 'b') emails[0] = uniqueEmail('outage0')
      for (const email of emails) {
        const r = await call(edgeApi('a', '/accounts'), {
          method: 'POST',
          headers: { ...json, 'ngv-signup-code': endpoints().signupCode },
          body: JSON.stringify({ email, password: 'secret-pw', full_name: 'Outage' }),
        })
        expect(r.status).toBe(201)
        expect(r.headers.get('x-edgewater-served-by')).toBe('ellis-a')
      }
      const during = await shards('a')
      for (const r of rows(during)) {
        const old = rows(before).find((x) => x.d === r.d && x.shard === r.shard)!
        expect(r.owner).toBe('a')
        expect(r.epoch).toBe(old.home === 'b' ? old.epoch + 1 : old.epoch)
      }
      // Numbers keep coming, through edge b too (it fails over to region a).
      const cookie = await logIn(emails[0]!, 'b')
      const viaB = await allocate('b', emails[0]!, cookie)
      expect(viaB.status).toBe(200)
      expect(viaB.headers.get('x-edgewater-region')).toBe('a')
      // A duplicate is still refused while a holds every shard.
      const dup = await call(edgeApi('a', '/accounts'), {
        method: 'POST',
        headers: { ...json, 'ngv-signup-code': endpoints().signupCode },
        body: JSON.stringify({ email: emails[5], password: 'secret-pw', full_name: 'Again' }),
      })
      expect(dup.status).toBe(409)
    } finally {
      await regionUp('b')
    }

    // Region b asks for its shards back (region a would also return them on its own once b
    // answers a's ping, at its next periodic check).
    const back = await rebalance('b')
    expect(back.status).toBe(200)
    const after = await shards('b')
    for (const r of rows(after)) {
      const old = rows(before).find((x) => x.d === r.d && x.shard === r.shard)!
      expect(r.owner).toBe(r.home)
      expect(r.epoch).toBe(old.home === 'b' ? old.epoch + 2 : old.epoch)
    }
    // Region b serves again, and writes to its shards happen there.
    const email = uniqueEmail('after')
    const cookie = await signUp(email, 'b')
    const n = await allocate('b', email, cookie)
    expect(n.status).toBe(200)
    expect(n.headers.get('x-edgewater-served-by')).toBe('ellis-b')
  }, 120_000)

  it('the edge sends the API to the other region when its home region is down', async () => {
    await regionDown('a')
    try {
      const r = await call(edgeApi('a', '/ping'))
      expect(r.status).toBe(200)
      expect(r.headers.get('x-edgewater-region')).toBe('b')
      expect(r.headers.get('x-edgewater-served-by')).toBe('ellis-b')
    } finally {
      await regionUp('a')
    }
    const r = await call(edgeApi('a', '/ping'))
    expect(r.headers.get('x-edgewater-region')).toBe('a')
    await rebalance('a')
  }, 60_000)
})
