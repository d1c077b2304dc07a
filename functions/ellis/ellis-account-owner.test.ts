import { describe, expect, it } from 'vitest'
import type { Region } from '../../shared/config/regions'
import { keys } from '../../shared/vellum'
import { ReplicatedMemoryTable } from '../../shared/vellum/memory-replicated-table'
import { admin, cookieOf, ellisKit, json, SIGNUP_CODE } from '../../test/support/kits/ellis-kit'
import { accountShard, homeOf } from './shard-directory'

/**
 * Changes to an existing account (password reset, logout everywhere) over two replicas joined by
 * an MREC-like replicator: they run in the account's owner region, so one made in the other
 * region while a deletion is still replicating (or behind a partition) never brings the deleted
 * account back (accounts-owner-writes.ts).
 */
function setup() {
  let t = Date.UTC(2026, 10, 21, 12, 0, 0)
  const clock = { now: () => t, advance: (ms: number) => void (t += ms) }
  const table = new ReplicatedMemoryTable(clock, 500)
  const kit = ellisKit({ replicated: table })
  const advance = (ms: number) => {
    kit.clock.advance(ms)
    clock.advance(ms)
  }
  return { kit, table, advance }
}

/** An address whose e-mail shard region `home` owns. */
function addressOwnedBy(home: Region, tag: string): string {
  for (let i = 0; ; i++) {
    const e = `${tag}${i}@example.com`
    if (homeOf(accountShard(e)) === home) return e
  }
}

type Kit = ReturnType<typeof setup>['kit']

async function signUpAndLogin(kit: Kit, email: string): Promise<string> {
  const home = homeOf(accountShard(email))
  const r = await kit.request(home, 'POST', '/api/accounts', {
    headers: { ...json, 'ngv-signup-code': SIGNUP_CODE },
    body: JSON.stringify({ email, password: 'secret-pw', full_name: 'Owner Test' }),
  })
  expect(r.status).toBe(201)
  const s = await kit.request(home, 'POST', '/api/session', {
    headers: json,
    body: JSON.stringify({ email, password: 'secret-pw' }),
  })
  expect(s.status).toBe(201)
  return cookieOf(s)
}

async function recoveryToken(kit: Kit, email: string): Promise<string> {
  const ask = await kit.request(
    homeOf(accountShard(email)),
    'POST',
    `/api/accounts/${email}/password`,
    {}
  )
  expect(ask.status).toBe(200)
  const box = await kit.request('a', 'GET', `/api/outbox/${email}`, { headers: admin })
  const { messages } = (await box.json()) as { messages: Array<{ link: string }> }
  return new URL(messages[0]!.link).searchParams.get('token')!
}

const reset = (kit: Kit, region: Region, email: string, token: string) =>
  kit.request(region, 'POST', `/api/accounts/${email}/password`, {
    headers: { 'ngv-recovery-token': token, 'content-type': 'text/plain' },
    body: 'brand-new-pw',
  })

async function absentEverywhere(table: ReplicatedMemoryTable, email: string) {
  for (const r of ['a', 'b'] as const)
    expect(await table.replicas[r].get(keys.accountKey(email))).toBeUndefined()
}

describe('account changes under replication lag and partitions (MREC)', { timeout: 60_000 }, () => {
  it('a password reset in the other region, inside the replication window of a deletion, does not bring the account back', async () => {
    const { kit, table, advance } = setup()
    const email = addressOwnedBy('a', 'del')
    const cookie = await signUpAndLogin(kit, email)
    const token = await recoveryToken(kit, email)
    advance(1000)
    expect(
      (await kit.request('a', 'DELETE', `/api/accounts/${email}`, { headers: { cookie } })).status
    ).toBe(204)
    // Region b's replica still shows the account and its token: the reset goes to the owner,
    // which has seen the deletion.
    expect(await table.replicas.b.get(keys.accountKey(email))).toBeDefined()
    expect((await reset(kit, 'b', email, token)).status).toBe(422)
    advance(1000)
    await absentEverywhere(table, email)
  })

  it('a logout in the other region, inside the replication window of a deletion, does not bring the account back', async () => {
    const { kit, table, advance } = setup()
    const email = addressOwnedBy('a', 'out')
    const cookie = await signUpAndLogin(kit, email)
    advance(1000)
    expect(
      (await kit.request('a', 'DELETE', `/api/accounts/${email}`, { headers: { cookie } })).status
    ).toBe(204)
    expect(await table.replicas.b.get(keys.accountKey(email))).toBeDefined()
    expect((await kit.request('b', 'DELETE', '/api/session', { headers: { cookie } })).status).toBe(
      204
    )
    advance(1000)
    await absentEverywhere(table, email)
  })

  it('during a partition, a password reset in the other region is 503 and the deletion holds after heal', async () => {
    const { kit, table, advance } = setup()
    const email = addressOwnedBy('b', 'cut')
    const cookie = await signUpAndLogin(kit, email)
    const token = await recoveryToken(kit, email)
    advance(1000)
    table.partition()
    kit.partitioned = true
    expect(
      (await kit.request('b', 'DELETE', `/api/accounts/${email}`, { headers: { cookie } })).status
    ).toBe(204)
    const refused = await reset(kit, 'a', email, token)
    expect(refused.status).toBe(503)
    expect(refused.headers.get('retry-after')).toBe('5')
    table.heal()
    kit.partitioned = false
    advance(1000)
    await absentEverywhere(table, email)
  })

  it('a reset in the other region is applied in the owner region and ends the sessions everywhere', async () => {
    const { kit, table, advance } = setup()
    const email = addressOwnedBy('b', 'ok')
    const cookie = await signUpAndLogin(kit, email)
    const token = await recoveryToken(kit, email)
    advance(1000)
    expect((await reset(kit, 'a', email, token)).status).toBe(200)
    // Written in the owner's replica (b) first; region a sees it after replication.
    const before = table.raw('b', keys.accountKey(email))?.version
    advance(1000)
    expect((await table.replicas.a.get(keys.accountKey(email)))?.version).toBe(before)
    for (const r of ['a', 'b'] as const)
      expect((await kit.request(r, 'GET', '/api/session', { headers: { cookie } })).status).toBe(
        403
      )
    const relog = await kit.request('a', 'POST', '/api/session', {
      headers: json,
      body: JSON.stringify({ email, password: 'brand-new-pw' }),
    })
    expect(relog.status).toBe(201)
  })
})
