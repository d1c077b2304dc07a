import { describe, expect, it } from 'vitest'
import {
  compileTriggerPattern,
  DEFAULT_IFC_PATTERN_LIMITS,
  MatchBudget,
  TriggerPatternCache,
  tightenedLimits,
} from './ifc-pattern'
import { ImsParseError } from './ims-result'

const budget = () => new MatchBudget()
const refusal = (source: string, limits = DEFAULT_IFC_PATTERN_LIMITS): string => {
  try {
    compileTriggerPattern(source, 'SPT.RequestURI', { limits })
  } catch (err) {
    expect(err).toBeInstanceOf(ImsParseError)
    expect((err as ImsParseError).path).toBe('SPT.RequestURI')
    return (err as ImsParseError).message
  }
  throw new Error(`${source} was accepted`)
}

describe('compileTriggerPattern: pathological patterns are matched in linear time', () => {
  // A backtracking engine needs about 2^n steps for these subjects (n = 100 000): they finish
  // only because the matcher is an automaton.
  const n = 100_000
  const big = { ...DEFAULT_IFC_PATTERN_LIMITS, maxSubjectLength: n + 1 }
  it.each([
    ['^(a+)+$', `${'a'.repeat(n)}!`, false],
    ['^(a+)+$', 'a'.repeat(n), true],
    ['(a|a)*b', 'a'.repeat(n), false],
    ['(a*)*$', `${'a'.repeat(n)}!`, true],
    ['^(a*)*$', `${'a'.repeat(n)}!`, false],
    ['((a+)*)+c', 'a'.repeat(n), false],
    ['(x+x+)+y', 'x'.repeat(n), false],
    ['^(([a-z])+.)+[A-Z]([a-z])+$', 'a'.repeat(n), false],
    ['(\\w+\\s?)*$', `${'ab '.repeat(n / 3)}!`, true],
  ])('%s', (source, subject, expected) => {
    const p = compileTriggerPattern(source, 'x', { limits: big })
    expect(p.test(subject, new MatchBudget(Number.POSITIVE_INFINITY))).toBe(expected)
  })
})

describe('compileTriggerPattern: what it refuses, with the reason', () => {
  it.each(['(a)\\1', '^(a+)\\1$', '(?P<x>a)\\k<x>'])('backreference %s', (source) => {
    expect(refusal(source)).toMatch(/backreference|not a valid regular expression/)
  })
  it('names a numbered backreference as such', () => {
    expect(refusal('(a+)+\\1')).toMatch(/uses a backreference/)
  })
  it.each(['(?=a)a', '(?!a)b', '(?<=a)b', '(?<!a)b'])('lookaround %s', (source) => {
    expect(refusal(source)).toMatch(/lookahead or lookbehind/)
  })
  it('nested counted repetition that would blow up the program', () => {
    expect(refusal('((a{30}){30}){30}')).toMatch(/not a valid regular expression.*repeat/)
    expect(refusal('(a{100}){5}')).toMatch(/compiles to \d+ instructions; .* limited to 500/)
    expect(refusal('a{1001}')).toMatch(/repeat/)
  })
  it('a pattern over the length limit', () => {
    expect(refusal('a'.repeat(257))).toMatch(/is 257 characters long; .* limited to 256/)
    const limits = tightenedLimits({ maxPatternLength: 8 })
    expect(refusal('example\\.com', limits)).toMatch(/limited to 8/)
  })
  it('a syntax error', () => {
    expect(refusal('(')).toMatch(/not a valid regular expression \(RE2 syntax\)/)
  })
})

describe('compileTriggerPattern: matching', () => {
  it('searches anywhere in the subject (regex_search, not a full match)', () => {
    const p = compileTriggerPattern('example\\.com', 'x')
    expect(p.test('sip.example.com:5060', budget())).toBe(true)
    expect(p.test('example.org', budget())).toBe(false)
  })
  it('folds case when asked (the SIPHeader Header)', () => {
    const p = compileTriggerPattern('^subject$', 'x', { caseInsensitive: true })
    expect(p.test('Subject', budget())).toBe(true)
    expect(compileTriggerPattern('^subject$', 'x').test('Subject', budget())).toBe(false)
  })
  it('does not match a subject over maxSubjectLength, and charges nothing for it', () => {
    const limits = { ...DEFAULT_IFC_PATTERN_LIMITS, maxSubjectLength: 16 }
    const b = budget()
    const before = b.remaining
    expect(compileTriggerPattern('^a', 'x', { limits }).test('a'.repeat(17), b)).toBe(false)
    expect(b.remaining).toBe(before)
    expect(compileTriggerPattern('^a', 'x', { limits }).test('a'.repeat(16), b)).toBe(true)
    expect(compileTriggerPattern('^a', 'x').test('a'.repeat(17), b)).toBe(true)
  })
})

describe('MatchBudget', () => {
  it('charges program size × (subject length + 1); a spent budget matches nothing more', () => {
    const p = compileTriggerPattern('a', 'x')
    const work = p.programSize * 11
    const b = new MatchBudget(work * 2)
    expect(p.test('aaaaaaaaaa', b)).toBe(true)
    expect(b.remaining).toBe(work)
    expect(p.test(`${'a'.repeat(20)}`, b)).toBe(false)
    expect(b.remaining).toBe(0)
    expect(p.test('a', b)).toBe(false)
  })
})

describe('TriggerPatternCache', () => {
  it('keeps at most maxEntries programs, least recently used out', () => {
    const cache = new TriggerPatternCache(2)
    for (const s of ['a', 'b', 'c']) compileTriggerPattern(s, 'x', { cache })
    expect(cache.size).toBe(2)
  })
  it('recompiles a program after retainWork, with the same answers', () => {
    const cache = new TriggerPatternCache(4, 50)
    const p = compileTriggerPattern('^(a|b)*a(a|b){3}$', 'x', { cache })
    const answers = ['baaab', 'bbbbb', 'aabab', 'ababab'].map((s) => p.test(s, budget()))
    expect(cache.size).toBe(0)
    expect(['baaab', 'bbbbb', 'aabab', 'ababab'].map((s) => p.test(s, budget()))).toEqual(answers)
    expect(answers).toEqual([true, false, true, true])
  })
})

describe('tightenedLimits', () => {
  it('tightens, never loosens, the defaults', () => {
    expect(tightenedLimits({ maxPatternLength: 10_000, maxProgramSize: 100 })).toEqual({
      ...DEFAULT_IFC_PATTERN_LIMITS,
      maxProgramSize: 100,
    })
  })
})
