import { describe, expect, it } from 'vitest'
import type { Region } from '../../shared/config/regions'
import { keys } from '../../shared/vellum'
import { ReplicatedMemoryTable } from '../../shared/vellum/memory-replicated-table'
import {
  admin,
  cookieOf,
  type EllisKit,
  ellisKit,
  json,
  SIGNUP_CODE,
} from '../../test/support/kits/ellis-kit'
import { accountShard, homeOf } from './shard-directory'

/**
 * Ellis over two replicas of the global table joined by an MREC-like replicator (per-item
 * replication after a lag, last writer wins, conditions checked on the local replica only):
 * numbers and e-mail addresses stay unique with lag and through a partition.
 */
const POOL = [{ from: '5550000', to: '5550039', pstn: false }]

function setup() {
  let t = Date.UTC(2026, 10, 21, 12, 0, 0)
  const clock = { now: () => t, advance: (ms: number) => void (t += ms) }
  const table = new ReplicatedMemoryTable(clock, 500)
  const kit = ellisKit({ pool: POOL, replicated: table })
  // The kit's clock drives the replicator: move both together.
  const advance = (ms: number) => {
    kit.clock.advance(ms)
    clock.advance(ms)
  }
  return { kit, table, advance }
}

const signUpReq = (kit: EllisKit, region: Region, email: string) =>
  kit.request(region, 'POST', '/api/accounts', {
    headers: { ...json, 'ngv-signup-code': SIGNUP_CODE },
    body: JSON.stringify({ email, password: 'secret-pw', full_name: `User ${email}` }),
  })

async function login(kit: EllisKit, region: Region, email: string): Promise<string> {
  const s = await kit.request(region, 'POST', '/api/session', {
    headers: json,
    body: JSON.stringify({ email, password: 'secret-pw' }),
  })
  expect(s.status).toBe(201)
  return cookieOf(s)
}

const allocate = (kit: EllisKit, region: Region, email: string, cookie: string) =>
  kit.request(region, 'POST', `/api/accounts/${email}/numbers`, { headers: { cookie } })

/** Every number item in both replicas: its owner, and which accounts list it. */
async function owners(table: ReplicatedMemoryTable, emails: string[]) {
  const byReplica: Record<Region, Map<string, string[]>> = { a: new Map(), b: new Map() }
  for (const r of ['a', 'b'] as const)
    for (const email of emails) {
      const page = await table.replicas[r].query({
        pk: keys.accountKey(email).pk,
        sk: { prefix: keys.ACCOUNT_NUMBER_PREFIX },
      })
      for (const it of page.items) {
        const uri = String(it.sip_uri)
        byReplica[r].set(uri, [...(byReplica[r].get(uri) ?? []), email])
        expect((await table.replicas[r].get(keys.numberKey(uri)))?.owner).toBe(email)
      }
    }
  return byReplica
}

// Many requests through both regions' full stacks: a generous per-test limit on a busy machine.
describe('Ellis under replication lag and partitions (MREC)', { timeout: 60_000 }, () => {
  it('never gives one number to two accounts when both regions allocate during a partition', async () => {
    const { kit, table, advance } = setup()
    // One account per home region, created and replicated before the partition.
    const emails = ['x0@example.com', 'x1@example.com', 'x2@example.com', 'x3@example.com']
    for (const e of emails) expect((await signUpReq(kit, 'a', e)).status).toBe(201)
    advance(1000)
    const cookies = new Map<string, Record<Region, string>>()
    for (const e of emails)
      cookies.set(e, { a: await login(kit, 'a', e), b: await login(kit, 'b', e) })

    table.partition()
    kit.partitioned = true
    const got: Record<Region, string[]> = { a: [], b: [] }
    const refused: Record<Region, number> = { a: 0, b: 0 }
    for (let i = 0; i < 30; i++)
      for (const region of ['a', 'b'] as const) {
        const e = emails[i % emails.length]!
        const r = await allocate(kit, region, e, cookies.get(e)![region])
        if (r.status === 200) got[region].push(((await r.json()) as { sip_uri: string }).sip_uri)
        else {
          // Its own half used up, and the other half is the unreachable region's: 503.
          expect(r.status).toBe(503)
          refused[region]++
        }
      }
    // Each region used up exactly its own half of the pool, and no number twice.
    const all = [...got.a, ...got.b]
    expect(new Set(all).size).toBe(all.length)
    expect(all.length).toBe(40)
    expect(refused.a + refused.b).toBe(20)

    table.heal()
    kit.partitioned = false
    advance(1000)
    const seen = await owners(table, emails)
    for (const r of ['a', 'b'] as const) {
      expect([...seen[r].keys()].sort()).toEqual([...all].sort())
      for (const holders of seen[r].values()) expect(holders).toHaveLength(1)
    }
  })

  it('never gives one number to two accounts under lag, when one region asks the other', async () => {
    const { kit, table, advance } = setup()
    const emails = ['y0@example.com', 'y1@example.com']
    for (const e of emails) expect((await signUpReq(kit, 'a', e)).status).toBe(201)
    advance(1000)
    const cookie = new Map(
      await Promise.all(emails.map(async (e) => [e, await login(kit, 'a', e)] as const))
    )
    const cookieB = new Map(
      await Promise.all(emails.map(async (e) => [e, await login(kit, 'b', e)] as const))
    )
    // Interleaved allocations with less than the lag between them: region a runs out of its own
    // half and takes from b's through b, while b keeps allocating from the same half.
    const ok: string[] = []
    for (let i = 0; i < 36; i++) {
      const e = emails[i % 2]!
      const r =
        i % 4 === 0
          ? await allocate(kit, 'b', e, cookieB.get(e)!)
          : await allocate(kit, 'a', e, cookie.get(e)!)
      expect(r.status).toBe(200)
      ok.push(((await r.json()) as { sip_uri: string }).sip_uri)
      advance(100)
    }
    expect(new Set(ok).size).toBe(ok.length)
    advance(1000)
    const seen = await owners(table, emails)
    for (const r of ['a', 'b'] as const) {
      expect(seen[r].size).toBe(36)
      for (const holders of seen[r].values()) expect(holders).toHaveLength(1)
    }
    // Every number is confirmed (no longer pending) in both replicas.
    for (const r of ['a', 'b'] as const)
      for (const [uri, [email]] of seen[r])
        expect((await table.replicas[r].get(keys.accountNumberKey(email!, uri)))?.pending_ms).toBe(
          undefined
        )
  })

  it('never gives one e-mail address two accounts when both regions sign it up during a partition', async () => {
    const { kit, table, advance } = setup()
    const emails = Array.from({ length: 8 }, (_, i) => `p${i}@example.com`)
    // Shard records exist in both replicas before the cut.
    await kit.request('a', 'GET', '/api/shards', { headers: admin })
    await kit.request('b', 'GET', '/api/shards', { headers: admin })
    advance(1000)
    table.partition()
    kit.partitioned = true
    for (const email of emails) {
      const [ra, rb] = await Promise.all([signUpReq(kit, 'a', email), signUpReq(kit, 'b', email)])
      const home = homeOf(accountShard(email))
      // The owner region signs it up; the other cannot reach it and answers 503, writing nothing.
      expect(home === 'a' ? ra.status : rb.status).toBe(201)
      const refused = home === 'a' ? rb : ra
      expect(refused.status).toBe(503)
      expect(refused.headers.get('retry-after')).toBe('5')
    }
    table.heal()
    kit.partitioned = false
    advance(1000)
    for (const email of emails) {
      const home = homeOf(accountShard(email))
      for (const r of ['a', 'b'] as const) {
        const acct = await table.replicas[r].get(keys.accountKey(email))
        expect(acct?.email).toBe(email)
        // The one account is the owner region's: both replicas hold that same write.
        expect(acct?.version).toBe(table.raw(home, keys.accountKey(email))?.version)
      }
      // A second sign-up, from either region, is a duplicate.
      expect((await signUpReq(kit, 'a', email)).status).toBe(409)
      expect((await signUpReq(kit, 'b', email)).status).toBe(409)
    }
  })

  it('signs an address up once when both regions race within the replication window', async () => {
    const { kit, advance } = setup()
    const emails = Array.from({ length: 6 }, (_, i) => `race${i}@example.com`)
    for (const email of emails) {
      const answers = await Promise.all([signUpReq(kit, 'a', email), signUpReq(kit, 'b', email)])
      expect(answers.map((r) => r.status).sort()).toEqual([201, 409])
      advance(10)
    }
  })

  it('converges shard ownership to one owner, the home, after a partition', async () => {
    const { kit, table, advance } = setup()
    const first = await kit.request('a', 'GET', '/api/shards', { headers: admin })
    expect(first.status).toBe(200)
    await kit.request('b', 'GET', '/api/shards', { headers: admin })
    advance(1000)
    table.partition()
    kit.partitioned = true
    // During the cut, an operator moves b's account shards to a in a's replica only.
    const shardsA = await table.replicas.a.query({ pk: keys.shardDomainPk('accounts') })
    for (const it of shardsA.items.filter((x) => x.home === 'b'))
      await table.replicas.a.update(
        { pk: it.pk, sk: it.sk },
        { set: { owner: 'a', epoch: Number(it.epoch) + 1 } }
      )
    advance(3000)
    // Region b still owns them in its replica and keeps signing its addresses up.
    const bs = Array.from({ length: 40 }, (_, i) => `conv${i}@example.com`).filter(
      (e) => homeOf(accountShard(e)) === 'b'
    )
    expect((await signUpReq(kit, 'b', bs[0]!)).status).toBe(201)
    table.heal()
    kit.partitioned = false
    advance(1000)
    // After heal, rebalancing hands them home; both replicas agree on one owner per shard.
    const r = await kit.request('a', 'POST', '/api/shards/rebalance', { headers: admin })
    expect(r.status).toBe(200)
    advance(3000)
    for (const region of ['a', 'b'] as const) {
      const page = await table.replicas[region].query({ pk: keys.shardDomainPk('accounts') })
      expect(page.items).toHaveLength(16)
      for (const it of page.items) expect(it.owner).toBe(it.home)
    }
    // And b's address signed up during the cut is a duplicate everywhere.
    expect((await signUpReq(kit, 'a', bs[0]!)).status).toBe(409)
  })
})
