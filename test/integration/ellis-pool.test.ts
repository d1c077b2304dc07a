/**
 * The number pool and account e-mails across two regions (architecture §5) on the local cloud:
 * concurrent allocations through both edges never hand one number to two accounts; with a region
 * down, the survivor keeps signing up the addresses it owns and giving out numbers from its half
 * of the pool, and answers 503 for the addresses the down region owns (ownership never moves,
 * docs/geo-redundancy.md); after the region returns, it serves them again; the edge fails the
 * API over.
 */
import { afterAll, describe, expect, it } from 'vitest'
import { accountShard, homeOf } from '../../functions/ellis/shard-directory'
import type { Region } from '../../shared/config/regions'
import { endpoints, regionDown, regionUp } from '../support/cloud'
import { waitForReplication } from '../support/replication'
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
    // Every account allocates through both regions: both must have it.
    await waitForReplication()
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
    // Each account's list holds exactly the numbers it was given, and the table agrees (once
    // the numbers given in region b have reached region a's replica).
    await waitForReplication()
    const listed: string[] = []
    for (const u of users) {
      const l = (await (
        await call(edgeApi('a', `/accounts/${u.email}/numbers`), { headers: { cookie: u.cookie } })
      ).json()) as { numbers: NumberJson[] }
      listed.push(...l.numbers.map((n) => n.sip_uri))
    }
    expect(listed.sort()).toEqual([...uris].sort())
  }, 120_000)

  it('keeps serving with a region down without taking its shards over, and serves its addresses again when it returns', async () => {
    await rebalance('a')
    await rebalance('b')
    const before = await shards('a')
    expect(rows(before).every((r) => r.owner === r.home)).toBe(true)
    const emailIn = (home: Region, tag: string) => {
      for (;;) {
        const e = uniqueEmail(tag)
        if (homeOf(accountShard(e)) === home) return e
      }
    }
    const theirs = emailIn('b', 'outage-b')
    const ours = [emailIn('a', 'outage-a'), emailIn('a', 'outage-a')]

    await regionDown('b')
    try {
      const signUpVia = (email: string) =>
        call(edgeApi('a', '/accounts'), {
          method: 'POST',
          headers: { ...json, 'ngv-signup-code': endpoints().signupCode },
          body: JSON.stringify({ email, password: 'secret-pw', full_name: 'Outage' }),
        })
      // An address region b owns waits for b: a clear 503, never a possible duplicate.
      const refused = await signUpVia(theirs)
      expect(refused.status).toBe(503)
      expect(refused.headers.get('retry-after')).toBe('5')
      for (const email of ours) {
        const r = await signUpVia(email)
        expect(r.status).toBe(201)
        expect(r.headers.get('x-edgewater-served-by')).toBe('ellis-a')
      }
      // Ownership did not move.
      expect(await shards('a')).toEqual(before)
      // Numbers keep coming from region a's half, through edge b too (it fails over to a).
      const cookie = await logIn(ours[0]!, 'b')
      const viaB = await allocate('b', ours[0]!, cookie)
      expect(viaB.status).toBe(200)
      expect(viaB.headers.get('x-edgewater-region')).toBe('a')
      // A duplicate is still refused.
      const dup = await signUpVia(ours[1]!)
      expect(dup.status).toBe(409)
    } finally {
      await regionUp('b')
    }

    // Region b serves again: its address signs up there, and its writes happen there.
    const cookie = await signUp(theirs, 'b')
    const n = await allocate('b', theirs, cookie)
    expect(n.status).toBe(200)
    expect(n.headers.get('x-edgewater-served-by')).toBe('ellis-b')
    expect(rows(await shards('b')).every((r) => r.owner === r.home)).toBe(true)
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
