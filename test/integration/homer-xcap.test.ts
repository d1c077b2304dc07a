/**
 * Homer through the local cloud, as Ellis and Sprout use it (trusted-zone signed requests):
 * every status of the simservs document API, schema failures with their reasons, ETags and
 * conditional requests including a PUT race with exactly one winner, node-selector GETs, and the
 * MMTEL cheap path seeing each write in both regions.
 */
import { describe, expect, it } from 'vitest'
import { DEFAULT_SIMSERVS_XML } from '../../shared/ims/simservs-default'
import { endpoints } from '../support/cloud'
import { waitForReplication } from '../support/replication'
import {
  CP_NS,
  cdivDocument,
  homerUrl,
  mmtelRead,
  signedHomer,
  simservsPath,
  uniqueImpu,
} from './homer-support'

describe('simservs document API', () => {
  it('GET 404 → PUT 200 {} → GET 200 same bytes + ETag → DELETE 204 → GET 404 → DELETE 204', async () => {
    const impu = uniqueImpu('crud')
    const p = simservsPath(impu)
    expect((await signedHomer('a', 'GET', p)).status).toBe(404)
    const put = await signedHomer('a', 'PUT', p, DEFAULT_SIMSERVS_XML)
    expect(put.status).toBe(200)
    expect(await put.json()).toEqual({})
    const etag = put.headers.get('etag')
    expect(etag).toMatch(/^"[\w-]+"$/)
    // Written through region a, read in region b once the global table has replicated it.
    await waitForReplication()
    const get = await signedHomer('b', 'GET', p)
    expect(get.status).toBe(200)
    expect(await get.text()).toBe(DEFAULT_SIMSERVS_XML)
    expect(get.headers.get('etag')).toBe(etag)
    expect((await signedHomer('a', 'DELETE', p)).status).toBe(204)
    expect((await signedHomer('a', 'GET', p)).status).toBe(404)
    expect((await signedHomer('b', 'DELETE', p)).status).toBe(204)
  })

  it('serves the TS 24.623 AUID as an alias of the same document', async () => {
    const impu = uniqueImpu('auid')
    await signedHomer('a', 'PUT', simservsPath(impu), DEFAULT_SIMSERVS_XML)
    const r = await signedHomer(
      'a',
      'GET',
      `/simservs.ngn.etsi.org/users/${encodeURIComponent(impu)}/simservs.xml`
    )
    expect(r.status).toBe(200)
    expect(await r.text()).toBe(DEFAULT_SIMSERVS_XML)
  })

  it.each(['POST', 'PATCH'])('answers %s with 405 and Allow', async (method) => {
    const r = await signedHomer('a', method, simservsPath(uniqueImpu('m')), DEFAULT_SIMSERVS_XML)
    expect(r.status).toBe(405)
    expect(r.headers.get('allow')).toBe('GET, HEAD, PUT, DELETE')
  })

  it('answers 404 for other documents and usages, 200 for /ping', async () => {
    expect((await signedHomer('a', 'GET', '/org.etsi.ngn.simservs/users/x/other.xml')).status).toBe(
      404
    )
    expect((await signedHomer('a', 'GET', '/pres-rules/users/x/index')).status).toBe(404)
    const ping = await fetch(homerUrl('a', '/ping'))
    expect(ping.status).toBe(200)
    expect(await ping.text()).toBe('OK')
  })

  it.each([
    [
      'an out-of-range NoReplyTimer',
      DEFAULT_SIMSERVS_XML.replace('<NoReplyTimer>30', '<NoReplyTimer>2'),
      400,
      'schema-validation-error',
      'simservs/communication-diversion/NoReplyTimer: 2 is outside 5..180 seconds',
    ],
    [
      'an unknown condition',
      cdivDocument('sip:x@example.com').replace('<no-answer/>', '<no-anwser/>'),
      400,
      'schema-validation-error',
      'simservs/communication-diversion/ruleset/rule[@id=&quot;rule0&quot;]/conditions/no-anwser: is not a known condition',
    ],
    [
      'a barring rule whose allow is not a boolean',
      DEFAULT_SIMSERVS_XML.replace('<allow>true</allow>', '<allow>yes</allow>'),
      400,
      'schema-validation-error',
      `simservs/incoming-communication-barring/ruleset/rule[@id=&quot;rule0&quot;]/actions/allow: 'yes' is not a boolean`,
    ],
    [
      'a wrong root',
      `<services xmlns:cp="${CP_NS}"/>`,
      400,
      'schema-validation-error',
      'the root element must be &lt;simservs&gt;',
    ],
    ['broken XML', '<simservs><a></simservs>', 400, 'not-well-formed', 'closing tag'],
    [
      'duplicate rule ids',
      DEFAULT_SIMSERVS_XML.replace(
        '<cp:ruleset/>',
        '<cp:ruleset><cp:rule id="r"/><cp:rule id="r"/></cp:ruleset>'
      ),
      409,
      'uniqueness-failure',
      `rule id 'r' is already used in this ruleset`,
    ],
  ])('refuses %s (%i, %s) with the reason', async (_what, doc, status, kind, reason) => {
    const impu = uniqueImpu('bad')
    const r = await signedHomer('a', 'PUT', simservsPath(impu), doc)
    expect(r.status).toBe(status)
    expect(r.headers.get('content-type')).toBe('application/xcap-error+xml')
    const body = await r.text()
    expect(body).toContain(`<${kind} phrase="`)
    expect(body).toContain(reason)
    expect((await signedHomer('a', 'GET', simservsPath(impu))).status).toBe(404)
  })

  it('keeps a well-formed unknown extension element', async () => {
    const impu = uniqueImpu('ext')
    const doc = DEFAULT_SIMSERVS_XML.replace(
      '</simservs>',
      '  <communication-waiting active="false"/>\n  <x:vendor xmlns:x="urn:example:vendor" level="3"/>\n</simservs>'
    )
    expect((await signedHomer('a', 'PUT', simservsPath(impu), doc)).status).toBe(200)
    expect(await (await signedHomer('a', 'GET', simservsPath(impu))).text()).toBe(doc)
  })

  it('refuses an unsigned request without credentials with a digest challenge', async () => {
    const r = await fetch(homerUrl('a', simservsPath(uniqueImpu('anon'))))
    expect(r.status).toBe(401)
    expect(r.headers.get('www-authenticate')).toContain('algorithm=SHA-256')
  })
})

describe('ETags and conditional requests', () => {
  it('guards create, update and delete with If-None-Match / If-Match; GET revalidates', async () => {
    const impu = uniqueImpu('etag')
    const p = simservsPath(impu)
    const created = await signedHomer('a', 'PUT', p, cdivDocument('sip:1@x'), {
      'if-none-match': '*',
    })
    expect(created.status).toBe(200)
    const e1 = created.headers.get('etag')!
    expect(
      (await signedHomer('b', 'PUT', p, cdivDocument('sip:2@x'), { 'if-none-match': '*' })).status
    ).toBe(412)
    const updated = await signedHomer('b', 'PUT', p, cdivDocument('sip:3@x'), { 'if-match': e1 })
    expect(updated.status).toBe(200)
    const e2 = updated.headers.get('etag')!
    expect(e2).not.toBe(e1)
    const lost = await signedHomer('a', 'PUT', p, cdivDocument('sip:4@x'), { 'if-match': e1 })
    expect(lost.status).toBe(412)
    expect(lost.headers.get('etag')).toBe(e2)
    // Reads are local: region a serves b's update once its replica has it.
    await waitForReplication()
    expect((await signedHomer('a', 'GET', p, undefined, { 'if-none-match': e2 })).status).toBe(304)
    expect((await signedHomer('a', 'GET', p, undefined, { 'if-match': e1 })).status).toBe(412)
    expect((await signedHomer('a', 'DELETE', p, undefined, { 'if-match': e1 })).status).toBe(412)
    expect((await signedHomer('a', 'DELETE', p, undefined, { 'if-match': e2 })).status).toBe(204)
    expect(
      (await signedHomer('a', 'PUT', p, cdivDocument('sip:5@x'), { 'if-match': '*' })).status
    ).toBe(412)
  })

  it('of several editors racing from the same ETag exactly one wins', async () => {
    const impu = uniqueImpu('race')
    const p = simservsPath(impu)
    const e0 = (await signedHomer('a', 'PUT', p, DEFAULT_SIMSERVS_XML)).headers.get('etag')!
    const targets = Array.from({ length: 6 }, (_, i) => `sip:editor${i}@example.com`)
    const results = await Promise.all(
      targets.map((t) => signedHomer('a', 'PUT', p, cdivDocument(t), { 'if-match': e0 }))
    )
    const statuses = results.map((r) => r.status)
    expect(statuses.filter((s) => s === 200)).toHaveLength(1)
    expect(statuses.filter((s) => s === 412)).toHaveLength(targets.length - 1)
    const winner = targets[statuses.indexOf(200)]!
    const stored = await (await signedHomer('a', 'GET', p)).text()
    expect(stored).toContain(`<target>${winner}</target>`)
    // The MMTEL cache agrees with the table about who won, in both regions.
    for (const r of ['a', 'b'] as const) {
      const m = await mmtelRead(r, impu)
      expect(m.model?.cdiv?.rules[0]?.forwardTo?.target).toBe(winner)
    }
  })
})

describe('node selectors', () => {
  it('returns one service as application/xcap-el+xml with the document ETag; 404 when absent', async () => {
    const impu = uniqueImpu('node')
    const etag = (
      await signedHomer('a', 'PUT', simservsPath(impu), DEFAULT_SIMSERVS_XML)
    ).headers.get('etag')
    await waitForReplication()
    const r = await signedHomer(
      'b',
      'GET',
      simservsPath(impu, '/~~/simservs/communication-diversion')
    )
    expect(r.status).toBe(200)
    expect(r.headers.get('content-type')).toBe('application/xcap-el+xml')
    expect(r.headers.get('etag')).toBe(etag)
    expect(await r.text()).toBe(
      '<communication-diversion active="true">\n    <NoReplyTimer>30</NoReplyTimer>\n    <cp:ruleset/>\n  </communication-diversion>'
    )
    const rule = await signedHomer(
      'a',
      'GET',
      `${simservsPath(impu, `/~~/${encodeURIComponent('simservs/outgoing-communication-barring/cp:ruleset/cp:rule[@id="rule0"]/cp:actions/allow')}`)}?xmlns(cp=${encodeURIComponent(CP_NS)})`
    )
    expect(rule.status).toBe(200)
    expect(await rule.text()).toBe('<allow>true</allow>')
    expect(
      (await signedHomer('a', 'GET', simservsPath(impu, '/~~/simservs/communication-waiting')))
        .status
    ).toBe(404)
    expect(
      (
        await signedHomer(
          'a',
          'GET',
          simservsPath(uniqueImpu('none'), '/~~/simservs/communication-diversion')
        )
      ).status
    ).toBe(404)
    expect((await signedHomer('a', 'GET', simservsPath(impu, '/~~/simservs/p:x'))).status).toBe(400)
    const put = await signedHomer(
      'a',
      'PUT',
      simservsPath(impu, '/~~/simservs/communication-diversion'),
      '<x/>'
    )
    expect(put.status).toBe(405)
  })
})

describe('MMTEL cheap path', () => {
  it('sees every PUT and DELETE on the next read, in both regions', async () => {
    const impu = uniqueImpu('mmtel')
    const p = simservsPath(impu)
    for (const r of ['a', 'b'] as const) {
      const m = await mmtelRead(r, impu)
      expect(m.model).toBeNull()
    }
    await signedHomer('a', 'PUT', p, cdivDocument('sip:first@example.com', 25))
    for (const r of ['a', 'b'] as const) {
      const m = await mmtelRead(r, impu)
      expect(m.source).toBe('cache')
      expect(m.model?.cdiv?.noReplyTimerS).toBe(25)
      expect(m.model?.cdiv?.rules[0]?.forwardTo?.target).toBe('sip:first@example.com')
    }
    // Written in region b this time; region a's cache is replaced too.
    const put2 = await signedHomer('b', 'PUT', p, cdivDocument('sip:second@example.com', 40))
    for (const r of ['a', 'b'] as const) {
      const m = await mmtelRead(r, impu)
      expect(m.source).toBe('cache')
      expect(m.etag).toBe(put2.headers.get('etag'))
      expect(m.model?.cdiv?.rules[0]?.forwardTo?.target).toBe('sip:second@example.com')
    }
    await signedHomer('a', 'DELETE', p)
    for (const r of ['a', 'b'] as const) {
      const m = await mmtelRead(r, impu)
      expect(m.source).toBe('cache')
      expect(m.model).toBeNull()
    }
  })

  it('costs one local KV round trip on a hit; a miss reads the table once and fills the cache', async () => {
    const impu = uniqueImpu('cost')
    const miss = await mmtelRead('a', impu)
    expect(miss.source).toBe('table')
    // Local KV miss → remote KV (Vellum's read fallback) → table → guarded fill of both KVs.
    expect(miss.roundTrips?.byStore.table).toBe(1)
    expect(miss.roundTrips?.depth).toBeLessThanOrEqual(4)
    await signedHomer('a', 'PUT', simservsPath(impu), cdivDocument('sip:vm@example.com'))
    for (const r of ['a', 'b'] as const) {
      const hit = await mmtelRead(r, impu)
      expect(hit.source).toBe('cache')
      expect(hit.roundTrips).toEqual({ calls: 1, depth: 1, byStore: { 'kv-local': 1 } })
    }
  })

  it('is internal only', async () => {
    const r = await fetch(homerUrl('a', `/mmtel/simservs/${encodeURIComponent('sip:x@y')}`))
    expect(r.status).toBe(401)
    expect(endpoints().hopSecret.length).toBeGreaterThan(0)
  })
})
