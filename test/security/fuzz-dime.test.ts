/**
 * Issue 14 fuzz evidence for Dime: Homestead-prov, Homestead's signalling API and Ralf, called
 * on region a's Dime port as the trusted zone calls them (signed; a few unsigned or forged).
 * Each API gets a seeded few hundred well-formed requests with mutated JSON/XML bodies, headers,
 * methods and paths (test/support/fuzz.ts). Every answer must arrive, be below 500 and, when a
 * 4xx, carry a reason; afterwards the API still serves a valid request and a victim subscriber
 * provisioned beforehand is exactly as it was.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import {
  defaultIfc,
  dime,
  enc,
  freshNumber,
  provision,
  publicIdentityXml,
} from '../integration/dime-helpers'
import { endpoints } from '../support/cloud'
import {
  describeFailures,
  fuzzRequest,
  fuzzRuns,
  fuzzSeed,
  runFuzz,
  type Template,
} from '../support/fuzz'

const RUNS = fuzzRuns(300)

interface Subscriber {
  impu: string
  impi: string
  irs: string
  sp: string
}

async function subscriber(): Promise<Subscriber> {
  const { impu, impi } = freshNumber()
  const { irs, sp } = await provision(impu, impi)
  return { impu, impi, irs, sp }
}

/** What a victim's provisioning looks like from outside, to compare before and after. */
async function snapshot(s: Subscriber) {
  const texts = await Promise.all(
    [
      `/private/${enc(s.impi)}`,
      `/private/${enc(s.impi)}/associated_public_ids`,
      `/irs/${s.irs}/service_profiles/${s.sp}/filter_criteria`,
      `/impi/${enc(s.impi)}/av?impu=${enc(s.impu)}`,
    ].map(async (p) => {
      const r = await dime('GET', p)
      return `${r.status} ${await r.text()}`
    })
  )
  const loc = await dime('GET', `/public/${enc(s.impu)}/service_profile`)
  return [...texts, `${loc.status} ${loc.headers.get('location')}`]
}

let target: Subscriber
let victim: Subscriber
let victimBefore: string[]
beforeAll(async () => {
  ;[target, victim] = await Promise.all([subscriber(), subscriber()])
  victimBefore = await snapshot(victim)
}, 60_000)

async function fuzz(api: string, templates: Template[]) {
  const report = await runFuzz({
    api,
    base: endpoints().functions.a.dime,
    arb: fuzzRequest(templates, { signed: true }),
    runs: RUNS,
    seed: fuzzSeed(),
    secret: endpoints().hopSecret,
  })
  expect(report.ran).toBe(RUNS)
  expect(report.failures, describeFailures(report.failures)).toEqual([])
  // Still serving: a fresh subscriber provisions, and the victim is untouched.
  await subscriber()
  expect(await snapshot(victim)).toEqual(victimBefore)
}

describe('fuzz: Dime', () => {
  it('Homestead-prov answers mutated requests with 4xx and a reason, never 5xx or a hang', async () => {
    const t = target
    const sp = ['irs', t.irs, 'service_profiles', t.sp]
    await fuzz('Homestead-prov', [
      {
        name: 'PUT private (password)',
        method: 'PUT',
        segments: ['private', enc(t.impi)],
        body: { kind: 'json', value: { plaintext_password: 'pw', realm: 'example.com' } },
      },
      {
        name: 'PUT private (digest)',
        method: 'PUT',
        segments: ['private', enc(t.impi)],
        body: { kind: 'json', value: { digest_ha1: '0123456789abcdef0123456789abcdef' } },
      },
      { name: 'GET private', method: 'GET', segments: ['private', enc(t.impi)] },
      { name: 'DELETE private', method: 'DELETE', segments: ['private', enc(`del-${t.impi}`)] },
      {
        name: 'GET private irs',
        method: 'GET',
        segments: ['private', enc(t.impi), 'associated_implicit_registration_sets'],
      },
      {
        name: 'PUT private irs',
        method: 'PUT',
        segments: ['private', enc(t.impi), 'associated_implicit_registration_sets', t.irs],
      },
      {
        name: 'GET private public ids',
        method: 'GET',
        segments: ['private', enc(t.impi), 'associated_public_ids'],
      },
      { name: 'POST irs', method: 'POST', segments: ['irs', ''] },
      { name: 'GET irs public ids', method: 'GET', segments: ['irs', t.irs, 'public_ids'] },
      { name: 'GET irs private ids', method: 'GET', segments: ['irs', t.irs, 'private_ids'] },
      {
        name: 'PUT irs private id',
        method: 'PUT',
        segments: ['irs', t.irs, 'private_ids', enc(t.impi)],
      },
      {
        name: 'POST service profile',
        method: 'POST',
        segments: ['irs', t.irs, 'service_profiles'],
      },
      { name: 'GET sp public ids', method: 'GET', segments: [...sp, 'public_ids'] },
      {
        name: 'PUT public id',
        method: 'PUT',
        segments: [...sp, 'public_ids', enc(t.impu)],
        body: { kind: 'xml', value: publicIdentityXml(t.impu) },
      },
      {
        name: 'PUT filter criteria',
        method: 'PUT',
        segments: [...sp, 'filter_criteria'],
        body: { kind: 'xml', value: defaultIfc(endpoints().homeDomain) },
      },
      { name: 'GET filter criteria', method: 'GET', segments: [...sp, 'filter_criteria'] },
      {
        name: 'GET public sp',
        method: 'GET',
        segments: ['public', enc(t.impu), 'service_profile'],
      },
      { name: 'GET public irs', method: 'GET', segments: ['public', enc(t.impu), 'irs'] },
      {
        name: 'GET public private ids',
        method: 'GET',
        segments: ['public', enc(t.impu), 'associated_private_ids'],
      },
      {
        name: 'GET public listing',
        method: 'GET',
        segments: ['public', ''],
        query: '?excludeuuids=true&chunk-proportion=256&chunk=7',
      },
    ])
  }, 120_000)

  it('Homestead signalling answers mutated requests with 4xx and a reason, never 5xx or a hang', async () => {
    const t = target
    const impi = enc(t.impi)
    const impu = enc(t.impu)
    await fuzz('Homestead signalling', [
      {
        name: 'GET av',
        method: 'GET',
        segments: ['impi', impi, 'av'],
        query: `?impu=${impu}&server-name=sip%3Asprout`,
      },
      {
        name: 'GET av digest',
        method: 'GET',
        segments: ['impi', impi, 'av', 'digest'],
        query: `?impu=${impu}`,
      },
      {
        name: 'GET digest',
        method: 'GET',
        segments: ['impi', impi, 'digest'],
        query: `?public_id=${impu}`,
      },
      {
        name: 'GET registration-status',
        method: 'GET',
        segments: ['impi', impi, 'registration-status'],
        query: `?impu=${impu}&auth-type=REG&visited-network=example.com`,
      },
      {
        name: 'GET location',
        method: 'GET',
        segments: ['impu', impu, 'location'],
        query: '?originating=true',
      },
      { name: 'GET reg-data', method: 'GET', segments: ['impu', impu, 'reg-data'] },
      {
        name: 'PUT reg-data',
        method: 'PUT',
        segments: ['impu', impu, 'reg-data'],
        query: `?private_id=${impi}`,
        body: {
          kind: 'json',
          value: { reqtype: 'reg', server_name: 'sip:sprout.a.edgewater.internal' },
        },
        headers: { 'cache-control': 'no-cache' },
      },
      {
        name: 'PUT reg-data dereg',
        method: 'PUT',
        segments: ['impu', impu, 'reg-data'],
        body: { kind: 'json', value: { reqtype: 'dereg-user' } },
      },
      { name: 'GET ping', method: 'GET', segments: ['ping'] },
    ])
  }, 120_000)

  it('Ralf answers mutated requests with 4xx and a reason, never 5xx or a hang', async () => {
    const acr = (type: number) => ({
      peers: { ccf: ['ccf1.example.com'] },
      event: {
        'Accounting-Record-Type': type,
        'Acct-Interim-Interval': 300,
        'Event-Timestamp': 1444118158,
        'Service-Information': {
          'IMS-Information': {
            'Role-Of-Node': 0,
            'Node-Functionality': 0,
            'Event-Type': { 'SIP-Method': 'INVITE' },
            'Calling-Party-Address': [`<${target.impu}>`],
            'Called-Party-Address': victim.impu,
            'IMS-Charging-Identifier': 'icid-fuzz',
          },
        },
      },
    })
    const callId = enc(`fuzz-${Date.now()}@ue.example.com`)
    await fuzz('Ralf', [
      {
        name: 'POST ACR START',
        method: 'POST',
        segments: ['call-id', callId],
        body: { kind: 'json', value: acr(2) },
      },
      {
        name: 'POST ACR EVENT',
        method: 'POST',
        segments: ['call-id', callId],
        body: { kind: 'json', value: acr(1) },
      },
      {
        name: 'POST ACR INTERIM (timer)',
        method: 'POST',
        segments: ['call-id', callId],
        query: '?timer-interim=true',
        body: { kind: 'json', value: acr(3) },
        headers: { 'x-sequence-number': '0' },
      },
      {
        name: 'POST ACR STOP',
        method: 'POST',
        segments: ['call-id', callId],
        body: { kind: 'json', value: acr(4) },
      },
      {
        name: 'GET cdrs by call',
        method: 'GET',
        segments: ['cdrs'],
        query: `?call-id=${callId}&limit=10`,
      },
      {
        name: 'GET cdrs by user',
        method: 'GET',
        segments: ['cdrs'],
        query: `?impu=${enc(target.impu)}&from=2026-01-01T00:00:00Z&to=${Date.now()}`,
      },
    ])
  }, 120_000)
})
