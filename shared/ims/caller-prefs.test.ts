import { describe, expect, it } from 'vitest'
import {
  applyCallerPrefs,
  type FeatureParam,
  featureSet,
  predicateOf,
  rejectMatches,
  valuesMatch,
} from './caller-prefs'

const params = (text: string): FeatureParam[] =>
  text
    .split(';')
    .filter(Boolean)
    .map((p) => {
      const eq = p.indexOf('=')
      return eq < 0 ? { name: p, value: null } : { name: p.slice(0, eq), value: p.slice(eq + 1) }
    })

const cand = (id: string, p: string, q = 1, expires = 100) => ({
  item: id,
  q,
  expires,
  params: params(p),
})
const pick = (
  cands: ReturnType<typeof cand>[],
  accept: string[],
  reject: string[] = [],
  method = 'MESSAGE'
) =>
  applyCallerPrefs(cands, {
    accept: accept.map((a) => predicateOf(params(a))),
    reject: reject.map((r) => predicateOf(params(r))),
    method,
    maxTargets: 10,
  }).map((r) => r.item)

describe('valuesMatch', () => {
  it('compares token sets, negations, numbers and strings', () => {
    expect(valuesMatch('"INVITE,BYE"', 'INVITE')).toBe(true)
    expect(valuesMatch('"MESSAGE"', '"INVITE,BYE"')).toBe(false)
    expect(valuesMatch('"!hello"', '"hello,goodbye"')).toBe(true)
    expect(valuesMatch('"!hello"', '"hello"')).toBe(false)
    expect(valuesMatch('', '"FALSE"')).toBe(false)
    expect(valuesMatch('', '')).toBe(true)
    expect(valuesMatch('"#>=3"', '"#1:4"')).toBe(true)
    expect(valuesMatch('"#>=5"', '"#1:4"')).toBe(false)
    expect(valuesMatch('"<urn:uuid:a>"', '"<urn:uuid:a>"')).toBe(true)
    expect(valuesMatch('"<urn:uuid:a>"', '"<urn:uuid:b>"')).toBe(false)
    expect(valuesMatch('"<urn:uuid:a>"', 'a')).toBe(false)
  })
})

describe('applyCallerPrefs (RFC 3841 §7.2)', () => {
  it('runs the RFC 3841 example of the live tests: bindings 1, 4 and 5 are tried', () => {
    const cands = [
      cand('b1', 'audio;video;methods="INVITE,BYE"', 0.2),
      cand('b2', 'audio="FALSE";methods="INVITE";actor="msg-taker"', 0.2),
      cand('b3', 'audio;actor="msg-taker";methods="INVITE";video', 0.3),
      cand('b4', 'audio;methods="INVITE,OPTIONS"', 0.2),
      cand('b5', '', 0.5),
    ]
    const got = pick(
      cands,
      ['*;audio;require', '*;video;explicit', '*;methods="BYE";class="business";q=1.0'],
      ['*;actor="msg-taker";video']
    )
    expect(new Set(got)).toEqual(new Set(['b1', 'b4', 'b5']))
    // q orders first; b1 (video explicitly matched) scores above b4 at equal q.
    expect(got).toEqual(['b5', 'b1', 'b4'])
  })

  it('requires an explicit instance match', () => {
    const cands = [cand('x', '+sip.instance="<urn:uuid:1>";reg-id=1')]
    expect(pick(cands, ['*;+sip.instance="<urn:uuid:1>";explicit;require'])).toEqual(['x'])
    expect(pick(cands, ['*;+sip.instance="<wrong>";explicit;require'])).toEqual([])
  })

  it('rejects only contacts that state the rejected features', () => {
    const fs = featureSet(params('audio;+sip.instance="<urn:uuid:1>"'))
    expect(rejectMatches(predicateOf(params('*;+sip.instance="<urn:uuid:1>"')), fs)).toBe(true)
    expect(rejectMatches(predicateOf(params('*;+sip.instance="<wrong>"')), fs)).toBe(false)
    expect(rejectMatches(predicateOf(params('*;video')), fs)).toBe(false)
    expect(pick([cand('x', 'audio')], [], ['*;audio'])).toEqual([])
  })

  it('applies the implicit method preference only without explicit preferences', () => {
    const cands = [cand('inv', 'methods="INVITE"'), cand('any', '')]
    expect(pick(cands, [], [], 'MESSAGE')).toEqual(['any'])
    expect(pick(cands, [], [], 'INVITE')).toEqual(['inv', 'any'])
    expect(pick(cands, ['*;audio'], [], 'MESSAGE')).toEqual(['inv', 'any'])
  })

  it('keeps at most maxTargets, best first', () => {
    const many = Array.from({ length: 12 }, (_, i) => cand(`c${i}`, '', i / 20, i))
    const got = applyCallerPrefs(many, { accept: [], reject: [], method: 'INVITE', maxTargets: 10 })
    expect(got).toHaveLength(10)
    expect(got[0]!.item).toBe('c11')
  })
})
