/**
 * Homer's ETags on the real replication model (docs/geo-redundancy.md): conditional PUTs from
 * both regions inside the replication window end with one winner visible in both regions and a
 * 412 for the loser; a conditional write whose home region is cut off is 503, never silently
 * lost. Trusted-zone requests to each region's Homer over the cloud's real ports. Needs
 * `LOCAL_TABLE_MODE=mrec`.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { documentHome } from '../../functions/homer/xcap-owner'
import type { Region } from '../../shared/config/regions'
import { DEFAULT_SIMSERVS_XML } from '../../shared/ims/simservs-default'
import { signedHomer, simservsPath, uniqueImpu } from '../integration/homer-support'
import { drained, heal, partition, requireMrec, setLag } from './support/replication'

const doc = (tag: string) => DEFAULT_SIMSERVS_XML.replace('<simservs ', `<!-- ${tag} --><simservs `)

function impuIn(home: Region, tag: string): string {
  for (;;) {
    const u = uniqueImpu(tag)
    if (documentHome(u) === home) return u
  }
}

beforeAll(requireMrec)

afterEach(async () => {
  await heal()
  await setLag(500, 100)
  await drained()
})

describe('Homer conditional writes under lag and partition', () => {
  for (const home of ['a', 'b'] as const)
    it(`PUTs racing from both regions with one If-Match: one winner everywhere, a 412 (home ${home})`, async () => {
      const impu = impuIn(home, 'gretag')
      const first = await signedHomer(home, 'PUT', simservsPath(impu), doc('v1'))
      expect(first.status).toBe(200)
      const etag = first.headers.get('etag')!
      await drained()
      // A long window, so both editors certainly act inside it.
      await setLag(3_000, 0)
      const [ra, rb] = await Promise.all([
        signedHomer('a', 'PUT', simservsPath(impu), doc('from-a'), { 'if-match': etag }),
        signedHomer('b', 'PUT', simservsPath(impu), doc('from-b'), { 'if-match': etag }),
      ])
      expect([ra.status, rb.status].sort()).toEqual([200, 412])
      const winner = ra.status === 200 ? ra : rb
      const tag = ra.status === 200 ? 'from-a' : 'from-b'
      await drained()
      for (const r of ['a', 'b'] as const) {
        const got = await signedHomer(r, 'GET', simservsPath(impu))
        expect(got.status).toBe(200)
        expect(got.headers.get('etag')).toBe(winner.headers.get('etag'))
        expect(await got.text()).toContain(tag)
      }
    })

  it('a conditional PUT whose home region is cut off is 503 with Retry-After; the home keeps writing', async () => {
    const impu = impuIn('b', 'grcut')
    const first = await signedHomer('b', 'PUT', simservsPath(impu), doc('v1'))
    const etag = first.headers.get('etag')!
    await drained()
    await partition()
    const refused = await signedHomer('a', 'PUT', simservsPath(impu), doc('from-a'), {
      'if-match': etag,
    })
    expect(refused.status).toBe(503)
    expect(refused.headers.get('retry-after')).toBe('5')
    const ok = await signedHomer('b', 'PUT', simservsPath(impu), doc('from-b'), {
      'if-match': etag,
    })
    expect(ok.status).toBe(200)
    await heal()
    await drained()
    for (const r of ['a', 'b'] as const) {
      const got = await signedHomer(r, 'GET', simservsPath(impu))
      expect(await got.text()).toContain('from-b')
      expect(got.headers.get('etag')).toBe(ok.headers.get('etag'))
    }
  })
})
