import { describe, expect, it } from 'vitest'
import { signRequest } from '../../shared/hop/signature'
import { DEFAULT_SIMSERVS_XML } from '../../shared/ims/simservs-default'
import { writeCache } from '../../shared/simservs/simservs-cache'
import { BASE, homerHarness, SECRET, userPath } from '../../test/support/kits/homer-kit'

const ALICE = 'sip:6505550001@example.com'
const cdivDoc = (target: string) =>
  DEFAULT_SIMSERVS_XML.replace(
    '<cp:ruleset/>',
    `<cp:ruleset><cp:rule id="busy"><cp:conditions><busy/></cp:conditions><cp:actions><forward-to><target>${target}</target></forward-to></cp:actions></cp:rule></cp:ruleset>`
  )

describe('document operations (trusted zone)', () => {
  it('PUT stores, GET returns the same bytes with the same ETag, DELETE removes', async () => {
    const h = homerHarness()
    expect((await h.signed('GET', userPath(ALICE))).status).toBe(404)
    const put = await h.signed('PUT', userPath(ALICE), DEFAULT_SIMSERVS_XML)
    expect(put.status).toBe(200)
    expect(await put.json()).toEqual({})
    const etag = put.headers.get('etag')
    expect(etag).toMatch(/^"[A-Za-z0-9_-]{22}"$/)
    const get = await h.signed('GET', userPath(ALICE))
    expect(get.status).toBe(200)
    expect(await get.text()).toBe(DEFAULT_SIMSERVS_XML)
    expect(get.headers.get('etag')).toBe(etag)
    expect(get.headers.get('content-type')).toBe('application/vnd.etsi.simservs+xml')
    expect((await h.signed('DELETE', userPath(ALICE))).status).toBe(204)
    expect((await h.signed('GET', userPath(ALICE))).status).toBe(404)
    expect((await h.signed('DELETE', userPath(ALICE))).status).toBe(204)
  })

  it('answers 405 with Allow for other methods, and for writes to a node', async () => {
    const h = homerHarness()
    const post = await h.signed('POST', userPath(ALICE), DEFAULT_SIMSERVS_XML)
    expect(post.status).toBe(405)
    expect(post.headers.get('allow')).toBe('GET, HEAD, PUT, DELETE')
    const nodePut = await h.signed(
      'PUT',
      userPath(ALICE, '/~~/simservs/communication-diversion'),
      '<x/>'
    )
    expect(nodePut.status).toBe(405)
    expect(nodePut.headers.get('allow')).toBe('GET, HEAD')
  })

  it('refuses an invalid document with 400 and an xcap-error naming the element', async () => {
    const h = homerHarness()
    const bad = DEFAULT_SIMSERVS_XML.replace('<NoReplyTimer>30', '<NoReplyTimer>900')
    const r = await h.signed('PUT', userPath(ALICE), bad)
    expect(r.status).toBe(400)
    expect(r.headers.get('content-type')).toBe('application/xcap-error+xml')
    expect(await r.text()).toMatch(
      /<schema-validation-error phrase="simservs\/communication-diversion\/NoReplyTimer: 900 is outside 5\.\.180 seconds"\/>/
    )
    expect((await h.signed('GET', userPath(ALICE))).status).toBe(404)
    expect(r.headers.get('etag')).toBeNull()
    // Over an existing document the refusal carries the stored version's ETag, which is kept.
    const etag = (await h.signed('PUT', userPath(ALICE), DEFAULT_SIMSERVS_XML)).headers.get('etag')
    const r2 = await h.signed('PUT', userPath(ALICE), bad)
    expect(r2.status).toBe(400)
    expect(r2.headers.get('etag')).toBe(etag)
    expect(await (await h.signed('GET', userPath(ALICE))).text()).toBe(DEFAULT_SIMSERVS_XML)
  })

  it('refuses duplicate rule ids with 409 uniqueness-failure and bad UTF-8 with 409', async () => {
    const h = homerHarness()
    const dup = DEFAULT_SIMSERVS_XML.replace(
      '<cp:ruleset/>',
      '<cp:ruleset><cp:rule id="a"/><cp:rule id="a"/></cp:ruleset>'
    )
    const r = await h.signed('PUT', userPath(ALICE), dup)
    expect(r.status).toBe(409)
    expect(await r.text()).toContain(
      '<exists field="simservs/communication-diversion/ruleset/rule[@id=&quot;a&quot;]/@id"/>'
    )
    const latin1 = new Uint8Array([
      ...new TextEncoder().encode('<simservs>'),
      0xe9,
      0x3c,
      0x2f,
      0x3e,
    ])
    const r2 = await h.app.request(`${BASE}${userPath(ALICE)}`, {
      method: 'PUT',
      body: latin1,
      headers: await signRequest(SECRET, 'PUT', `${BASE}${userPath(ALICE)}`, latin1),
    })
    expect(r2.status).toBe(409)
    expect(await r2.text()).toContain('<not-utf-8')
  })

  it('keeps an unknown extension element in the stored document', async () => {
    const h = homerHarness()
    const ext = DEFAULT_SIMSERVS_XML.replace(
      '</simservs>',
      '  <communication-waiting active="true"/><v:x xmlns:v="urn:vendor">keep me</v:x>\n</simservs>'
    )
    expect((await h.signed('PUT', userPath(ALICE), ext)).status).toBe(200)
    expect(await (await h.signed('GET', userPath(ALICE))).text()).toBe(ext)
    const m = await h.deps.reader.read(ALICE)
    expect(m?.extensions).toEqual([
      '{http://uri.etsi.org/ngn/params/xml/simservs/xcap}communication-waiting',
      '{urn:vendor}x',
    ])
  })

  it('refuses an oversized document with 413', async () => {
    const h = homerHarness()
    const big = DEFAULT_SIMSERVS_XML.replace(
      '</simservs>',
      `<!--${'x'.repeat(70_000)}--></simservs>`
    )
    expect((await h.signed('PUT', userPath(ALICE), big)).status).toBe(413)
  })

  it('refuses a bad trusted-zone signature with 401 (no digest fallback)', async () => {
    const h = homerHarness()
    const r = await h.request(userPath(ALICE), {
      headers: {
        'x-edgewater-timestamp': String(Date.now()),
        'x-edgewater-signature': 'ab'.repeat(32),
      },
    })
    expect(r.status).toBe(401)
    expect(r.headers.get('www-authenticate')).toBeNull()
    expect(await r.json()).toMatchObject({ reason: 'bad signature' })
  })
})

describe('ETags and conditional requests', () => {
  it('If-None-Match: * creates only once; If-Match guards updates; GET revalidates with 304', async () => {
    const h = homerHarness()
    const first = await h.signed('PUT', userPath(ALICE), DEFAULT_SIMSERVS_XML, {
      'if-none-match': '*',
    })
    expect(first.status).toBe(200)
    const e1 = first.headers.get('etag')!
    const again = await h.signed('PUT', userPath(ALICE), cdivDoc('sip:x@y'), {
      'if-none-match': '*',
    })
    expect(again.status).toBe(412)
    expect(again.headers.get('etag')).toBe(e1)

    const upd = await h.signed('PUT', userPath(ALICE), cdivDoc('sip:v@m'), { 'if-match': e1 })
    expect(upd.status).toBe(200)
    const e2 = upd.headers.get('etag')!
    expect(e2).not.toBe(e1)
    const stale = await h.signed('PUT', userPath(ALICE), cdivDoc('sip:late@m'), { 'if-match': e1 })
    expect(stale.status).toBe(412)
    expect(stale.headers.get('etag')).toBe(e2)

    const notMod = await h.signed('GET', userPath(ALICE), undefined, { 'if-none-match': e2 })
    expect(notMod.status).toBe(304)
    expect(notMod.headers.get('etag')).toBe(e2)
    expect(
      (await h.signed('GET', userPath(ALICE), undefined, { 'if-none-match': e1 })).status
    ).toBe(200)

    expect((await h.signed('DELETE', userPath(ALICE), undefined, { 'if-match': e1 })).status).toBe(
      412
    )
    expect((await h.signed('DELETE', userPath(ALICE), undefined, { 'if-match': e2 })).status).toBe(
      204
    )
    expect((await h.signed('DELETE', userPath(ALICE), undefined, { 'if-match': '*' })).status).toBe(
      412
    )
  })

  it('of two PUTs racing from the same ETag exactly one wins', async () => {
    const h = homerHarness()
    const e0 = (await h.signed('PUT', userPath(ALICE), DEFAULT_SIMSERVS_XML)).headers.get('etag')!
    const results = await Promise.all(
      ['sip:a@x', 'sip:b@x', 'sip:c@x', 'sip:d@x'].map((t) =>
        h.signed('PUT', userPath(ALICE), cdivDoc(t), { 'if-match': e0 })
      )
    )
    const statuses = results.map((r) => r.status).sort()
    expect(statuses).toEqual([200, 412, 412, 412])
    const winner = results.find((r) => r.status === 200)!
    const get = await h.signed('GET', userPath(ALICE))
    expect(get.headers.get('etag')).toBe(winner.headers.get('etag'))
  })

  it('unconditional PUTs that race all land, last writer wins, and the cache agrees', async () => {
    const h = homerHarness()
    const results = await Promise.all(
      ['sip:a@x', 'sip:b@x', 'sip:c@x'].map((t) => h.signed('PUT', userPath(ALICE), cdivDoc(t)))
    )
    expect(results.map((r) => r.status)).toEqual([200, 200, 200])
    const stored = await (await h.signed('GET', userPath(ALICE))).text()
    const model = await h.deps.reader.lookup(ALICE)
    expect(model.source).toBe('cache')
    expect(stored).toContain(`<target>${model.model?.cdiv?.rules[0]?.forwardTo?.target}</target>`)
  })
})

describe('element GET by node selector', () => {
  it('returns one service element as stored, with the document ETag', async () => {
    const h = homerHarness()
    const etag = (await h.signed('PUT', userPath(ALICE), DEFAULT_SIMSERVS_XML)).headers.get('etag')
    const r = await h.signed('GET', userPath(ALICE, '/~~/simservs/communication-diversion'))
    expect(r.status).toBe(200)
    expect(r.headers.get('content-type')).toBe('application/xcap-el+xml')
    expect(r.headers.get('etag')).toBe(etag)
    expect(await r.text()).toBe(
      '<communication-diversion active="true">\n    <NoReplyTimer>30</NoReplyTimer>\n    <cp:ruleset/>\n  </communication-diversion>'
    )
    const att = await h.signed(
      'GET',
      userPath(ALICE, '/~~/simservs/outgoing-communication-barring/@active')
    )
    expect(att.status).toBe(200)
    expect(att.headers.get('content-type')).toBe('application/xcap-att+xml')
    expect(await att.text()).toBe('true')
  })

  it('selects inside the ruleset with an xmlns() prefix binding', async () => {
    const h = homerHarness()
    await h.signed('PUT', userPath(ALICE), cdivDoc('sip:vm@example.com'))
    const sel = encodeURIComponent(
      'simservs/communication-diversion/cp:ruleset/cp:rule[@id="busy"]/cp:actions/forward-to/target'
    )
    const q = `?xmlns(cp=${encodeURIComponent('urn:ietf:params:xml:ns:common-policy')})`
    const r = await h.signed('GET', `${userPath(ALICE)}/~~/${sel}${q}`)
    expect(r.status).toBe(200)
    expect(await r.text()).toBe('<target>sip:vm@example.com</target>')
  })

  it('is 404 for an absent element or document, 400 for a bad selector or unbound prefix', async () => {
    const h = homerHarness()
    expect(
      (await h.signed('GET', userPath(ALICE, '/~~/simservs/communication-diversion'))).status
    ).toBe(404)
    await h.signed('PUT', userPath(ALICE), DEFAULT_SIMSERVS_XML)
    const absent = await h.signed('GET', userPath(ALICE, '/~~/simservs/communication-waiting'))
    expect(absent.status).toBe(404)
    expect(absent.headers.get('etag')).toMatch(/^"/)
    expect((await h.signed('GET', userPath(ALICE, '/~~/simservs/a[0]'))).status).toBe(400)
    expect((await h.signed('GET', userPath(ALICE, '/~~/simservs/x:foo'))).status).toBe(400)
  })
})

describe('the MMTEL reader (cheap path)', () => {
  it('reads through the cache, which PUT and DELETE replace', async () => {
    const h = homerHarness()
    const miss = await h.deps.reader.lookup(ALICE)
    expect(miss).toEqual({ model: undefined, etag: undefined, source: 'table' })
    expect((await h.deps.reader.lookup(ALICE)).source).toBe('cache')

    await h.signed('PUT', userPath(ALICE), cdivDoc('sip:one@example.com'))
    const one = await h.deps.reader.lookup(ALICE)
    expect(one.source).toBe('cache')
    expect(one.model?.cdiv?.rules[0]?.forwardTo?.target).toBe('sip:one@example.com')

    await h.signed('PUT', userPath(ALICE), cdivDoc('sip:two@example.com'))
    expect((await h.deps.reader.read(ALICE))?.cdiv?.rules[0]?.forwardTo?.target).toBe(
      'sip:two@example.com'
    )

    await h.signed('DELETE', userPath(ALICE))
    expect(await h.deps.reader.lookup(ALICE)).toEqual({
      model: undefined,
      etag: undefined,
      source: 'cache',
    })
  })

  it('a reader that read the table before a PUT cannot put the old model back', async () => {
    const h = homerHarness()
    await h.signed('PUT', userPath(ALICE), cdivDoc('sip:old@example.com'))
    const oldItem = await h.vellum.table.get({
      pk: `IMPU#${ALICE}`,
      sk: 'XDMS#simservs.ngn.etsi.org/simservs.xml',
    })
    await h.signed('PUT', userPath(ALICE), cdivDoc('sip:new@example.com'))
    // Simulate the late fill of a reader that had read `oldItem`.
    await writeCache(
      { kv: h.vellum.kv, clock: h.clock, log: h.deps.log },
      ALICE,
      Number(oldItem!.version),
      { state: 'absent' }
    )
    expect((await h.deps.reader.read(ALICE))?.cdiv?.rules[0]?.forwardTo?.target).toBe(
      'sip:new@example.com'
    )
  })

  it('falls back to the table when the cache entry has expired', async () => {
    const h = homerHarness()
    await h.signed('PUT', userPath(ALICE), cdivDoc('sip:one@example.com'))
    h.advance(301_000)
    const r = await h.deps.reader.lookup(ALICE)
    expect(r.source).toBe('table')
    expect(r.model?.cdiv?.rules[0]?.forwardTo?.target).toBe('sip:one@example.com')
  })
})
