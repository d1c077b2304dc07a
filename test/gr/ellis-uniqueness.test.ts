/**
 * Ellis's uniqueness records on the real replication model (docs/geo-redundancy.md): with the
 * global table as two replicas joined by MREC-like replication, and the regions partitioned, no
 * number is given to two accounts and no e-mail address gets two accounts. A write whose owner
 * region is cut off is a 503 with Retry-After, and after heal both replicas agree. Drives both
 * edges' `/api` over the cloud's real ports. Needs `LOCAL_TABLE_MODE=mrec`.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { accountShard, homeOf } from '../../functions/ellis/shard-directory'
import type { Region } from '../../shared/config/regions'
import {
  allocate,
  call,
  edgeApi,
  enc,
  json,
  logIn,
  type NumberJson,
  uniqueEmail,
} from '../integration/ellis-support'
import { endpoints } from '../support/cloud'
import { drained, getItem, heal, partition, requireMrec, setLag } from './support/replication'

const REGIONS = ['a', 'b'] as const

const signUpReq = (region: Region, email: string) =>
  call(edgeApi(region, '/accounts'), {
    method: 'POST',
    headers: { ...json, 'ngv-signup-code': endpoints().signupCode },
    body: JSON.stringify({ email, password: 'secret-pw', full_name: `GR ${email.split('@')[0]}` }),
  })

/** A fresh address whose e-mail shard belongs to `home`. */
function emailIn(home: Region, tag: string): string {
  for (;;) {
    const e = uniqueEmail(tag)
    if (homeOf(accountShard(e)) === home) return e
  }
}

beforeAll(requireMrec)

afterEach(async () => {
  await heal()
  await setLag(500, 100)
  await drained()
})

// A number's allocation provisions Homestead and Homer (several seconds while partitioned, when
// every dual-write to the other region's KV fails first): a generous per-test limit.
describe('Ellis under partition and lag', { timeout: 120_000 }, () => {
  it('no number is ever given to two accounts when both regions allocate during a partition', async () => {
    // One account per home region, replicated before the cut, logged in on both sides.
    const emails = [emailIn('a', 'grnum'), emailIn('b', 'grnum')]
    for (const e of emails) expect((await signUpReq('a', e)).status).toBe(201)
    await drained()
    const cookies = new Map<string, Record<Region, string>>()
    for (const e of emails) cookies.set(e, { a: await logIn(e, 'a'), b: await logIn(e, 'b') })

    await partition()
    const taken: Array<{ region: Region; email: string; uri: string }> = []
    await Promise.all(
      REGIONS.flatMap((region) =>
        emails.map(async (email) => {
          for (let i = 0; i < 2; i++) {
            const r = await allocate(region, email, cookies.get(email)![region])
            expect(r.status).toBe(200)
            taken.push({ region, email, uri: ((await r.json()) as NumberJson).sip_uri })
          }
        })
      )
    )
    await heal()
    await drained()

    const uris = taken.map((t) => t.uri)
    expect(new Set(uris).size).toBe(uris.length)
    // Both replicas agree: each number's pool item names the account that took it, and the
    // account lists it in either region.
    for (const t of taken)
      for (const r of REGIONS) {
        const item = await getItem(r, `NUMBER#${t.uri}`, 'NUMBER')
        expect(item?.owner?.S).toBe(t.email)
      }
    for (const email of emails)
      for (const r of REGIONS) {
        const list = await call(edgeApi(r, `/accounts/${enc(email)}/numbers`), {
          headers: { cookie: cookies.get(email)![r] },
        })
        expect(list.status).toBe(200)
        const listed = ((await list.json()) as { numbers: NumberJson[] }).numbers.map(
          (n) => n.sip_uri
        )
        expect(listed.sort()).toEqual(
          taken
            .filter((t) => t.email === email)
            .map((t) => t.uri)
            .sort()
        )
      }
  })

  it('no e-mail address gets two accounts when both regions sign it up during a partition', async () => {
    const emails = [emailIn('a', 'grmail'), emailIn('b', 'grmail')]
    await partition()
    for (const email of emails) {
      const [ra, rb] = await Promise.all([signUpReq('a', email), signUpReq('b', email)])
      const home = homeOf(accountShard(email))
      // The owner region signs it up; the other cannot reach it: a clear 503, nothing written.
      expect(home === 'a' ? ra.status : rb.status).toBe(201)
      const refused = home === 'a' ? rb : ra
      expect(refused.status).toBe(503)
      expect(refused.headers.get('retry-after')).toBe('5')
    }
    await heal()
    await drained()
    for (const email of emails) {
      const home = homeOf(accountShard(email))
      const written = await getItem(home, `ACCOUNT#${email}`, 'ACCOUNT')
      expect(written).toBeDefined()
      for (const r of REGIONS) {
        // One account, the same write in both replicas.
        expect((await getItem(r, `ACCOUNT#${email}`, 'ACCOUNT'))?.version).toEqual(written?.version)
        expect((await signUpReq(r, email)).status).toBe(409)
      }
    }
  })

  it('an address signed up from both regions inside the replication window gets one account', async () => {
    await setLag(2_000, 0)
    const email = emailIn('b', 'grrace')
    const answers = await Promise.all([signUpReq('a', email), signUpReq('b', email)])
    expect(answers.map((r) => r.status).sort()).toEqual([201, 409])
  })
})
