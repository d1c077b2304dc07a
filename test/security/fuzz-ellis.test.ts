/**
 * Issue 14 fuzz evidence for Ellis's API, driven from outside through region a's edge (`/api`),
 * as a browser or script would: with a session cookie of the fuzzing account, sometimes the
 * admin key, sometimes neither. A seeded few hundred well-formed requests with mutated JSON and
 * XML bodies, content types, headers, methods and paths (test/support/fuzz.ts): every answer must
 * arrive, be below 500 and, when a 4xx, carry a reason. Afterwards Ellis still serves a valid
 * request, and a victim account's session and numbers are as they were.
 *
 * The fuzz requests come from their own client address (`cf-connecting-ip`, a TEST-NET-2 address
 * per run), so its failed logins count against that address, not the one other suites use.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import { DEFAULT_SIMSERVS_XML } from '../../shared/ims/simservs-default'
import { defaultIfc } from '../integration/dime-helpers'
import {
  admin,
  allocate,
  call,
  edgeApi,
  enc,
  type NumberJson,
  signUp,
  uniqueEmail,
} from '../integration/ellis-support'
import { endpoints } from '../support/cloud'
import { describeFailures, fuzzRequest, fuzzRuns, fuzzSeed, runFuzz } from '../support/fuzz'

const RUNS = fuzzRuns(300)

interface Account {
  email: string
  cookie: string
  numbers: NumberJson[]
}

async function account(tag: string, numbers: number): Promise<Account> {
  const email = uniqueEmail(tag)
  const cookie = await signUp(email)
  const out: NumberJson[] = []
  for (let i = 0; i < numbers; i++) {
    const r = await allocate('a', email, cookie)
    if (r.status !== 200) throw new Error(`allocation ${r.status}: ${await r.text()}`)
    out.push((await r.json()) as NumberJson)
  }
  return { email, cookie, numbers: out }
}

async function view(a: Account) {
  const session = await call(edgeApi('a', '/session'), { headers: { cookie: a.cookie } })
  const numbers = await call(edgeApi('a', `/accounts/${a.email}/numbers`), {
    headers: { cookie: a.cookie },
  })
  const listed = ((await numbers.json()) as { numbers: NumberJson[] }).numbers
  return {
    session: session.status,
    numbers: numbers.status,
    uris: listed.map((n) => n.sip_uri).sort(),
  }
}

let target: Account
let victim: Account
let victimBefore: Awaited<ReturnType<typeof view>>
beforeAll(async () => {
  ;[target, victim] = await Promise.all([account('fuzz', 2), account('fuzz-victim', 1)])
  victimBefore = await view(victim)
  expect(victimBefore).toMatchObject({ session: 200, numbers: 200 })
}, 90_000)

describe('fuzz: Ellis API through the edge', () => {
  it('answers mutated requests with 4xx and a reason, never 5xx or a hang', async () => {
    const me = enc(target.email)
    const [mine, spare] = target.numbers.map((n) => enc(n.sip_uri)) as [string, string]
    const num = ['api', 'accounts', me, 'numbers', mine]
    // The session routes get no cookie of the fuzzing account: a DELETE there (a logout) would
    // end every session of the account, and every later request would be a mere 403.
    const noSession = { cookie: 'username=none' }
    const clientIp = `198.51.100.${Math.floor(Math.random() * 254) + 1}`
    const report = await runFuzz({
      api: 'Ellis (through the edge)',
      base: endpoints().edges.a,
      arb: fuzzRequest(
        [
          {
            name: 'sign up',
            method: 'POST',
            segments: ['api', 'accounts'],
            body: {
              kind: 'json',
              value: {
                email: uniqueEmail('fuzz-signup'),
                password: 'secret-pw',
                full_name: 'Fuzz',
              },
            },
            headers: { 'ngv-signup-code': endpoints().signupCode },
          },
          {
            name: 'log in',
            method: 'POST',
            segments: ['api', 'session'],
            body: { kind: 'json', value: { email: target.email, password: 'secret-pw' } },
            headers: noSession,
          },
          { name: 'session', method: 'GET', segments: ['api', 'session'], headers: noSession },
          { name: 'list numbers', method: 'GET', segments: ['api', 'accounts', me, 'numbers'] },
          {
            name: 'allocate',
            method: 'POST',
            segments: ['api', 'accounts', me, 'numbers'],
            body: { kind: 'json', value: { pstn: false } },
          },
          {
            name: 'specific number (admin)',
            method: 'POST',
            segments: ['api', 'accounts', me, 'numbers', enc('sip:6505550998@example.com')],
            body: { kind: 'json', value: { private_id: target.numbers[0]!.private_id } },
            headers: admin(),
          },
          {
            name: 'delete number',
            method: 'DELETE',
            segments: ['api', 'accounts', me, 'numbers', spare],
          },
          { name: 'new SIP password', method: 'POST', segments: [...num, 'password'] },
          { name: 'GET simservs', method: 'GET', segments: [...num, 'simservs'] },
          {
            name: 'PUT simservs',
            method: 'PUT',
            segments: [...num, 'simservs'],
            body: { kind: 'xml', value: DEFAULT_SIMSERVS_XML },
          },
          { name: 'GET ifcs', method: 'GET', segments: [...num, 'ifcs'] },
          {
            name: 'PUT ifcs',
            method: 'PUT',
            segments: [...num, 'ifcs'],
            body: { kind: 'xml', value: defaultIfc(endpoints().homeDomain) },
          },
          { name: 'GET listed', method: 'GET', segments: [...num, 'listed'] },
          { name: 'PUT listed', method: 'PUT', segments: [...num, 'listed', '1'] },
          { name: 'address book', method: 'GET', segments: ['api', 'gab'] },
          {
            name: 'password recovery',
            method: 'POST',
            segments: ['api', 'accounts', me, 'password'],
            body: {
              kind: 'json',
              value: { password: 'new-secret-pw', recovery_token: 'x'.repeat(43) },
            },
          },
          { name: 'shards (admin)', method: 'GET', segments: ['api', 'shards'], headers: admin() },
          {
            name: 'outbox (admin)',
            method: 'GET',
            segments: ['api', 'outbox', me],
            headers: admin(),
          },
          { name: 'OpenAPI', method: 'GET', segments: ['api', 'openapi.json'] },
          { name: 'ping', method: 'GET', segments: ['api', 'ping'] },
        ],
        { signed: false, baseHeaders: { cookie: target.cookie, 'cf-connecting-ip': clientIp } }
      ),
      runs: RUNS,
      seed: fuzzSeed(),
      concurrency: 3,
    })
    expect(report.ran).toBe(RUNS)
    expect(report.failures, describeFailures(report.failures)).toEqual([])

    // Still serving: a new account signs up and logs in, and the victim is untouched.
    await signUp(uniqueEmail('fuzz-after'))
    expect(await view(victim)).toEqual(victimBefore)
  }, 180_000)
})
