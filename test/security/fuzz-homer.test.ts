/**
 * Issue 14 fuzz evidence for Homer's XCAP API, called on region a's Homer port as Ellis and
 * Sprout call it (signed for the trusted zone; some unsigned, which Homer treats as a UE over Ut,
 * or forged). A seeded few hundred well-formed requests with mutated simservs documents, headers,
 * methods, node selectors and paths (test/support/fuzz.ts): every answer must arrive, be below
 * 500 and, when a 4xx, carry a reason. Afterwards a document can still be written, and a victim's
 * document written before the run is byte for byte what it was.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import { DEFAULT_SIMSERVS_XML } from '../../shared/ims/simservs-default'
import { cdivDocument, signedHomer, simservsPath, uniqueImpu } from '../integration/homer-support'
import { endpoints } from '../support/cloud'
import { describeFailures, fuzzRequest, fuzzRuns, fuzzSeed, runFuzz } from '../support/fuzz'

const RUNS = fuzzRuns(400)

let victim: string
let victimEtag: string | null
beforeAll(async () => {
  victim = uniqueImpu('fuzz-victim')
  const put = await signedHomer('a', 'PUT', simservsPath(victim), cdivDocument('sip:v@example.com'))
  expect(put.status).toBe(200)
  victimEtag = put.headers.get('etag')
})

describe('fuzz: Homer (XCAP)', () => {
  it('answers mutated requests with 4xx and a reason, never 5xx or a hang', async () => {
    const impu = encodeURIComponent(uniqueImpu('fuzz'))
    const doc = ['org.etsi.ngn.simservs', 'users', impu, 'simservs.xml']
    const alias = ['simservs.ngn.etsi.org', 'users', impu, 'simservs.xml']
    expect((await signedHomer('a', 'PUT', `/${doc.join('/')}`, DEFAULT_SIMSERVS_XML)).status).toBe(
      200
    )
    const report = await runFuzz({
      api: 'Homer XCAP',
      base: endpoints().functions.a.homer,
      arb: fuzzRequest(
        [
          {
            name: 'PUT document',
            method: 'PUT',
            segments: doc,
            body: { kind: 'xml', value: DEFAULT_SIMSERVS_XML },
          },
          {
            name: 'PUT CDIV document',
            method: 'PUT',
            segments: alias,
            body: { kind: 'xml', value: cdivDocument('sip:fwd@example.com') },
            headers: { 'if-match': '*' },
          },
          {
            name: 'GET document',
            method: 'GET',
            segments: doc,
            headers: { 'if-none-match': '"x"' },
          },
          { name: 'HEAD document', method: 'HEAD', segments: alias },
          {
            name: 'DELETE document',
            method: 'DELETE',
            segments: ['org.etsi.ngn.simservs', 'users', `${impu}-gone`, 'simservs.xml'],
          },
          {
            name: 'GET element',
            method: 'GET',
            segments: [...doc, '~~', 'simservs', 'communication-diversion'],
          },
          {
            name: 'GET attribute',
            method: 'GET',
            segments: [...doc, '~~', 'simservs', 'originating-identity-presentation', '@active'],
          },
          {
            name: 'GET rule by id',
            method: 'GET',
            segments: [
              ...doc,
              '~~',
              'simservs',
              'communication-diversion',
              'cp:ruleset',
              'cp:rule%5B@id=%22rule0%22%5D',
            ],
            query: '?xmlns(cp=urn:ietf:params:xml:ns:common-policy)',
          },
          { name: 'GET MMTEL model', method: 'GET', segments: ['mmtel', 'simservs', impu] },
          { name: 'GET ping', method: 'GET', segments: ['ping'] },
        ],
        { signed: true }
      ),
      runs: RUNS,
      seed: fuzzSeed(),
      secret: endpoints().hopSecret,
    })
    expect(report.ran).toBe(RUNS)
    expect(report.failures, describeFailures(report.failures)).toEqual([])

    // Still serving, and the victim's document is untouched.
    const fresh = simservsPath(uniqueImpu('fuzz-after'))
    expect((await signedHomer('a', 'PUT', fresh, DEFAULT_SIMSERVS_XML)).status).toBe(200)
    const v = await signedHomer('a', 'GET', simservsPath(victim))
    expect(v.status).toBe(200)
    expect(await v.text()).toBe(cdivDocument('sip:v@example.com'))
    expect(v.headers.get('etag')).toBe(victimEtag)
  }, 120_000)
})
