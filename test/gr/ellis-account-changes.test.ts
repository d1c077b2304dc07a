/**
 * Changes to an existing Ellis account on the real replication model (docs/geo-redundancy.md
 * "Ellis: accounts"): a password reset or a logout made through the region that does not own
 * the account's e-mail shard runs in the owner region, so one made while a deletion is still
 * replicating, or behind a partition, never brings the deleted account back. Drives both edges'
 * `/api` over the cloud's real ports. Needs `LOCAL_TABLE_MODE=mrec`.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { accountShard, homeOf } from '../../functions/ellis/shard-directory'
import type { Region } from '../../shared/config/regions'
import { accountKey } from '../../shared/vellum/keys'
import { admin, call, edgeApi, signUp, uniqueEmail } from '../integration/ellis-support'
import { drained, getItem, heal, partition, requireMrec, setLag } from './support/replication'

function emailIn(home: Region, tag: string): string {
  for (;;) {
    const e = uniqueEmail(tag)
    if (homeOf(accountShard(e)) === home) return e
  }
}

const other = (r: Region): Region => (r === 'a' ? 'b' : 'a')

async function recoveryToken(email: string, region: Region): Promise<string> {
  const ask = await call(edgeApi(region, `/accounts/${email}/password`), { method: 'POST' })
  expect(ask.status).toBe(200)
  const box = await call(edgeApi(region, `/outbox/${email}`), { headers: admin() })
  const { messages } = (await box.json()) as { messages: Array<{ link: string }> }
  return new URL(messages[0]!.link).searchParams.get('token')!
}

const reset = (region: Region, email: string, token: string) =>
  call(edgeApi(region, `/accounts/${email}/password`), {
    method: 'POST',
    headers: { 'ngv-recovery-token': token, 'content-type': 'text/plain' },
    body: 'brand-new-pw',
  })

const deleteAccount = (region: Region, email: string, cookie: string) =>
  call(edgeApi(region, `/accounts/${email}`), { method: 'DELETE', headers: { cookie } })

async function absentInBoth(email: string) {
  const k = accountKey(email)
  for (const r of ['a', 'b'] as const) expect(await getItem(r, k.pk, k.sk)).toBeUndefined()
}

beforeAll(requireMrec)

afterEach(async () => {
  await heal()
  await setLag(500, 100)
  await drained()
})

describe('Ellis account changes under lag and partition', { timeout: 120_000 }, () => {
  it('a reset and a logout through the other region inside a deletion’s replication window bring nothing back', async () => {
    const home: Region = 'a'
    const email = emailIn(home, 'grreset')
    const cookie = await signUp(email, home)
    const token = await recoveryToken(email, home)
    await drained()
    // A long window: the other region certainly acts before the deletion reaches it.
    await setLag(3_000, 0)
    expect((await deleteAccount(home, email, cookie)).status).toBe(204)
    const k = accountKey(email)
    expect(await getItem(other(home), k.pk, k.sk)).toBeDefined()
    expect((await reset(other(home), email, token)).status).toBe(422)
    expect(
      (await call(edgeApi(other(home), '/session'), { method: 'DELETE', headers: { cookie } }))
        .status
    ).toBe(204)
    await drained()
    await absentInBoth(email)
  })

  it('during a partition a reset through the other region is 503, and the deletion holds after heal', async () => {
    const home: Region = 'b'
    const email = emailIn(home, 'grcutreset')
    const cookie = await signUp(email, home)
    const token = await recoveryToken(email, home)
    await drained()
    await partition()
    expect((await deleteAccount(home, email, cookie)).status).toBe(204)
    const refused = await reset(other(home), email, token)
    expect(refused.status).toBe(503)
    expect(refused.headers.get('retry-after')).toBe('5')
    await heal()
    await drained()
    await absentInBoth(email)
  })
})
