import { describe, expect, it } from 'vitest'
import { parseRoutingConfig } from './routing-config'
import { rankScscfs, type ScscfEntry, scscfKey } from './scscf-selection'

const entry = (server: string, o: Partial<ScscfEntry> = {}): ScscfEntry => ({
  server,
  priority: 0,
  weight: 100,
  capabilities: [],
  ...o,
})

/** A random source that returns the given values in turn. */
const seq = (...xs: number[]) => {
  let i = 0
  return () => xs[i++ % xs.length]!
}

describe('S-CSCF selection by capabilities (clearwater-interfaces §5.7, s-cscf.json)', () => {
  const servers = [
    entry('sip:s1.example.net', { capabilities: [1] }),
    entry('sip:s2.example.net', { capabilities: [1, 2, 3] }),
    entry('sip:s3.example.net', { capabilities: [2], priority: 0 }),
    entry('sip:s4.example.net', { capabilities: [1, 2], priority: 5 }),
  ]

  it('keeps only S-CSCFs with every mandatory capability', () => {
    const r = rankScscfs(servers, { mandatory: [1, 2], optional: [] }, new Set(), seq(0))
    expect(r.sort()).toEqual(['sip:s2.example.net', 'sip:s4.example.net'])
  })

  it('orders by optional capabilities matched, then by priority', () => {
    const r = rankScscfs(servers, { mandatory: [], optional: [2, 3] }, new Set(), seq(0))
    // s2 has both optional ones; s3 and s4 one each (s3 at priority 0 before s4 at 5); s1 none.
    expect(r).toEqual([
      'sip:s2.example.net',
      'sip:s3.example.net',
      'sip:s4.example.net',
      'sip:s1.example.net',
    ])
  })

  it('leaves out S-CSCFs already tried, whatever the case of their host or their parameters', () => {
    const tried = new Set([scscfKey('<sip:S2.Example.NET;transport=tcp>')!])
    const r = rankScscfs(servers, { mandatory: [1], optional: [] }, tried, seq(0))
    expect(r).not.toContain('sip:s2.example.net')
    expect(r).toContain('sip:s1.example.net')
  })

  it('chooses within one priority in proportion to weight (RFC 2782)', () => {
    const pool = [
      entry('sip:light.example.net', { weight: 10 }),
      entry('sip:heavy.example.net', { weight: 90 }),
    ]
    const none = { mandatory: [], optional: [] }
    // A draw below 10/100 falls on the light one; any other on the heavy one.
    expect(rankScscfs(pool, none, new Set(), seq(0.05))[0]).toBe('sip:light.example.net')
    expect(rankScscfs(pool, none, new Set(), seq(0.5))[0]).toBe('sip:heavy.example.net')
    expect(rankScscfs(pool, none, new Set(), seq(0.5))).toHaveLength(2)
  })

  it('answers nothing when no S-CSCF qualifies', () => {
    expect(rankScscfs(servers, { mandatory: [9], optional: [] }, new Set(), seq(0))).toEqual([])
  })

  it('reads s-cscf.json from SCSCF_JSON with Clearwater defaults, and refuses a bad one', () => {
    const c = parseRoutingConfig({
      SCSCF_JSON: '{"s-cscfs":[{"server":"sip:sprout.b.edgewater.internal","capabilities":[1]}]}',
    })
    expect(c.scscfs).toEqual([
      { server: 'sip:sprout.b.edgewater.internal', priority: 0, weight: 100, capabilities: [1] },
    ])
    expect(parseRoutingConfig({}).scscfs).toEqual([])
    expect(() => parseRoutingConfig({ SCSCF_JSON: '{"s-cscfs":[{"server":"http://x"}]}' })).toThrow(
      /SCSCF_JSON|server/
    )
    expect(() => parseRoutingConfig({ SCSCF_JSON: 'nope' })).toThrow(/SCSCF_JSON/)
  })
})
