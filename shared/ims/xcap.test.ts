import { describe, expect, it } from 'vitest'
import { parseSimservs } from './simservs'
import { DEFAULT_SIMSERVS_XML } from './simservs-default'
import { COMMON_POLICY_NS, SIMSERVS_NS } from './simservs-model'
import { statusForDocumentError, xcapErrorBody } from './xcap-error'
import { parseNodeSelector, selectNode } from './xcap-node-selector'
import { evaluatePreconditions, parseEntityTagList } from './xcap-preconditions'
import { parseXcapPath, SIMSERVS_AUIDS, SIMSERVS_DOCUMENT } from './xcap-uri'

const hosted = { auids: SIMSERVS_AUIDS, documents: [SIMSERVS_DOCUMENT] }

describe('parseXcapPath', () => {
  it('splits a document URI and decodes the XUI', () => {
    const r = parseXcapPath(
      '/org.etsi.ngn.simservs/users/sip%3A6505550001%40example.com/simservs.xml',
      '',
      hosted
    )
    expect(r).toEqual({
      ok: true,
      value: {
        auid: 'org.etsi.ngn.simservs',
        xui: 'sip:6505550001@example.com',
        document: 'simservs.xml',
        nodeSelector: undefined,
        namespaces: new Map(),
      },
    })
  })

  it('accepts the TS 24.623 AUID and an encoded slash in the XUI', () => {
    const r = parseXcapPath('/simservs.ngn.etsi.org/users/tel%3A%2B1%2F2/simservs.xml', '', hosted)
    expect(r.ok && r.value.xui).toBe('tel:+1/2')
  })

  it('reads the node selector after ~~ and the xmlns() query', () => {
    const r = parseXcapPath(
      '/org.etsi.ngn.simservs/users/sip%3Aa%40b/simservs.xml/~~/simservs/communication-diversion/cp:ruleset/cp:rule%5B@id=%22r1%22%5D',
      `?xmlns(cp=${encodeURIComponent(COMMON_POLICY_NS)})`,
      hosted
    )
    if (!r.ok) throw new Error(r.reason)
    expect(r.value.nodeSelector).toBe(
      'simservs/communication-diversion/cp:ruleset/cp:rule[@id="r1"]'
    )
    expect(r.value.namespaces.get('cp')).toBe(COMMON_POLICY_NS)
  })

  it.each([
    ['/other/users/x/simservs.xml', 404],
    ['/org.etsi.ngn.simservs/global/x/simservs.xml', 404],
    ['/org.etsi.ngn.simservs/users/x/other.xml', 404],
    ['/org.etsi.ngn.simservs/users/x', 404],
    ['/org.etsi.ngn.simservs/users/%E0%A4%A/simservs.xml', 400],
    ['/org.etsi.ngn.simservs/users/x/simservs.xml/~~/', 400],
  ])('%s → %i', (path, status) => {
    const r = parseXcapPath(path, '', hosted)
    expect(r.ok).toBe(false)
    if (!r.ok) expect(r.status).toBe(status)
  })

  it('refuses a query that is not xmlns() expressions', () => {
    const r = parseXcapPath('/org.etsi.ngn.simservs/users/x/simservs.xml', '?foo=bar', hosted)
    expect(r).toMatchObject({ ok: false, status: 400 })
  })
})

describe('node selectors', () => {
  const parsed = parseSimservs(DEFAULT_SIMSERVS_XML)
  if (!parsed.ok) throw new Error('default document must parse')
  const root = parsed.root
  const cp = new Map([['cp', COMMON_POLICY_NS]])
  const select = (s: string, b: Map<string, string> = cp) => {
    const p = parseNodeSelector(s)
    if (!p.ok) throw new Error(p.reason)
    return selectNode(root, p.value, b, SIMSERVS_NS)
  }
  const text = (s: string) => {
    const r = select(s)
    if (r.kind !== 'element') throw new Error(`${s}: ${r.kind}`)
    return DEFAULT_SIMSERVS_XML.slice(r.element.start, r.element.end)
  }

  it('selects a service element byte-for-byte as stored', () => {
    expect(text('simservs/communication-diversion')).toBe(
      '<communication-diversion active="true">\n    <NoReplyTimer>30</NoReplyTimer>\n    <cp:ruleset/>\n  </communication-diversion>'
    )
    expect(text('simservs/originating-identity-presentation')).toBe(
      '<originating-identity-presentation active="true"/>'
    )
  })

  it('selects by position, wildcard and attribute, and into the ruleset with bound prefixes', () => {
    expect(text('simservs/*[2]')).toMatch(/^<originating-identity-presentation-restriction/)
    expect(text('simservs/incoming-communication-barring/cp:ruleset/cp:rule[@id="rule0"]')).toMatch(
      /^<cp:rule id="rule0">/
    )
    expect(
      text(
        "simservs/outgoing-communication-barring/cp:ruleset/cp:rule[1][@id='rule0']/cp:actions/allow"
      )
    ).toBe('<allow>true</allow>')
  })

  it('returns an attribute value for a terminal attribute selector', () => {
    const r = select('simservs/communication-diversion/@active')
    expect(r).toMatchObject({ kind: 'attribute', value: 'true' })
  })

  it('reports no node for absent, several, or prefix-mismatched elements', () => {
    expect(select('simservs/communication-waiting').kind).toBe('none')
    expect(select('simservs/*').kind).toBe('none')
    expect(select('simservs/communication-diversion/@missing').kind).toBe('none')
    // Unprefixed names are in the simservs namespace, so `ruleset` (common-policy) is not found.
    expect(select('simservs/communication-diversion/ruleset').kind).toBe('none')
    expect(select('other/communication-diversion').kind).toBe('none')
  })

  it('reports an unbound prefix as invalid', () => {
    expect(select('simservs/communication-diversion/x:ruleset', new Map()).kind).toBe('invalid')
  })

  it.each([
    '',
    'simservs//a',
    'simservs/a[0]',
    'simservs/a[@id=1]',
    'simservs/a[',
    '@x',
    'simservs/namespace::*',
    'simservs/a[@b="1"][2]',
  ])('rejects malformed selector %j', (s) => {
    expect(parseNodeSelector(s).ok).toBe(false)
  })

  it('keeps a / inside a quoted attribute value', () => {
    const p = parseNodeSelector('simservs/a[@id="x/y"]/b')
    expect(p.ok && p.value.steps.map((s) => s.local)).toEqual(['simservs', 'a', 'b'])
    expect(p.ok && p.value.steps[1]!.attribute?.value).toBe('x/y')
  })
})

describe('preconditions', () => {
  const E = '"abc"'
  it('parses entity tag lists', () => {
    expect(parseEntityTagList('*')).toBe('*')
    expect(parseEntityTagList('"a", W/"b"')).toEqual([
      { weak: false, opaque: '"a"' },
      { weak: true, opaque: '"b"' },
    ])
    expect(parseEntityTagList('abc')).toBeUndefined()
    expect(parseEntityTagList('"a" "b"')).toBeUndefined()
  })

  it.each([
    ['PUT', E, null, E, true],
    ['PUT', '"other", "abc"', null, E, true],
    ['PUT', '"other"', null, E, 412],
    ['PUT', 'W/"abc"', null, E, 412],
    ['PUT', '*', null, undefined, 412],
    ['PUT', '*', null, E, true],
    ['DELETE', E, null, undefined, 412],
    ['PUT', null, '*', E, 412],
    ['PUT', null, '*', undefined, true],
    ['GET', null, E, E, 304],
    ['GET', null, 'W/"abc"', E, 304],
    ['GET', null, '"old"', E, true],
    ['GET', '"old"', null, E, 412],
    ['PUT', 'garbage', null, E, 400],
  ] as const)('%s If-Match=%s If-None-Match=%s current=%s → %s', (m, im, inm, cur, want) => {
    const r = evaluatePreconditions(m, { ifMatch: im, ifNoneMatch: inm }, cur)
    if (want === true) expect(r.ok).toBe(true)
    else expect(r).toMatchObject({ ok: false, status: want })
  })
})

describe('xcap-error bodies', () => {
  it('carries the reason in the phrase and the clashing field', () => {
    const body = xcapErrorBody({
      kind: 'uniqueness-failure',
      reason: `rule id 'r1' <dup> & "x"`,
      field: 'simservs/x/rule[@id="r1"]/@id',
    })
    expect(body).toContain(
      '<uniqueness-failure phrase="rule id \'r1\' &lt;dup&gt; &amp; &quot;x&quot;">'
    )
    expect(body).toContain('<exists field="simservs/x/rule[@id=&quot;r1&quot;]/@id"/>')
    expect(statusForDocumentError({ kind: 'uniqueness-failure' })).toBe(409)
    expect(statusForDocumentError({ kind: 'schema-validation-error' })).toBe(400)
    expect(xcapErrorBody({ kind: 'not-well-formed', reason: 'x' })).toContain(
      '<not-well-formed phrase="x"/>'
    )
  })
})
