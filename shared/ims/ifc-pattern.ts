/**
 * @module ims/ifc-pattern
 * The regular expressions of iFC triggers (TS 29.228 Annex B: the RequestURI, SIPHeader
 * Header/Content and SessionDescription Line/Content SPTs; clearwater-interfaces §2.3 "regex
 * search, not full match"), matched in time linear in the subject by RE2 (the `re2js` port:
 * automata, no backtracking). RE2 syntax is Perl's without the features that need backtracking:
 * backreferences and lookaround are refused, as are patterns longer than
 * {@link IfcPatternLimits.maxPatternLength} or compiling to more than
 * {@link IfcPatternLimits.maxProgramSize} instructions. A subject longer than
 * {@link IfcPatternLimits.maxSubjectLength} is not tested: the pattern does not match it.
 *
 * Matching costs at most (program size × subject length) steps, so evaluation charges that
 * product to a {@link MatchBudget}; once the budget is spent, further patterns do not match.
 *
 * Compiled programs are kept in a {@link TriggerPatternCache}: a pure memo (a pattern's answer
 * depends only on the pattern and the subject; the cache changes only how fast it comes), bounded
 * in entries, and a program that has matched {@link TriggerPatternCache.retainWork} steps is
 * recompiled, which drops the lazily built DFA states it holds (RE2 caps them at 8 MB each).
 * One module-level cache serves the isolate unless a caller passes its own.
 */
import { RE2JS } from 're2js'
import { ImsParseError } from './ims-result'

export interface IfcPatternLimits {
  /** Longest pattern accepted, in characters. */
  maxPatternLength: number
  /** Largest compiled program accepted, in RE2 instructions (`a{100}` alone is 100). */
  maxProgramSize: number
  /** Longest subject tested; a pattern does not match a longer one. */
  maxSubjectLength: number
}

export const DEFAULT_IFC_PATTERN_LIMITS: Readonly<IfcPatternLimits> = Object.freeze({
  maxPatternLength: 256,
  maxProgramSize: 500,
  maxSubjectLength: 4096,
})

/**
 * The default limits, tightened where `over` asks for less. A provisioning check may be stricter
 * than the S-CSCF's evaluation (which uses the defaults), never looser: a stored iFC the S-CSCF
 * could not compile would be skipped there.
 */
export function tightenedLimits(over: Partial<IfcPatternLimits>): IfcPatternLimits {
  const d = DEFAULT_IFC_PATTERN_LIMITS
  return {
    maxPatternLength: Math.min(over.maxPatternLength ?? d.maxPatternLength, d.maxPatternLength),
    maxProgramSize: Math.min(over.maxProgramSize ?? d.maxProgramSize, d.maxProgramSize),
    maxSubjectLength: Math.min(over.maxSubjectLength ?? d.maxSubjectLength, d.maxSubjectLength),
  }
}

/** Match work (instructions × subject characters) one trigger evaluation may spend. */
export const DEFAULT_MAX_MATCH_WORK = 2_000_000

/** The work left to one evaluation of an iFC chain step; shared by every pattern it runs. */
export class MatchBudget {
  constructor(public remaining: number = DEFAULT_MAX_MATCH_WORK) {}

  /** Takes `work` from the budget; when it does not fit, the budget is spent out and false. */
  spend(work: number): boolean {
    if (work > this.remaining) {
      this.remaining = 0
      return false
    }
    this.remaining -= work
    return true
  }
}

interface CacheEntry {
  re: RE2JS
  work: number
}

/** Compiled programs by flags and source, least recently used first out. */
export class TriggerPatternCache {
  private readonly entries = new Map<string, CacheEntry>()

  constructor(
    /** Programs kept at once. */
    readonly maxEntries = 64,
    /** Match work after which a program is recompiled, dropping its DFA states. */
    readonly retainWork = 65_536
  ) {}

  get size(): number {
    return this.entries.size
  }

  /** The compiled program (compiling it on a miss); throws RE2's syntax errors. */
  program(source: string, caseInsensitive: boolean): RE2JS {
    const key = `${caseInsensitive ? 'i' : '-'}${source}`
    let e = this.entries.get(key)
    if (e) this.entries.delete(key)
    else e = { re: RE2JS.compile(source, caseInsensitive ? RE2JS.CASE_INSENSITIVE : 0), work: 0 }
    this.entries.set(key, e)
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value as string
      this.entries.delete(oldest)
    }
    return e.re
  }

  /** Records match work done by a program; past `retainWork` the program is dropped. */
  charge(source: string, caseInsensitive: boolean, work: number): void {
    const key = `${caseInsensitive ? 'i' : '-'}${source}`
    const e = this.entries.get(key)
    if (!e) return
    e.work += work
    if (e.work > this.retainWork) this.entries.delete(key)
  }
}

const isolateCache = new TriggerPatternCache()

/** A compiled trigger pattern: an unanchored search (boost `regex_search`, as Sprout does). */
export interface TriggerPattern {
  readonly source: string
  readonly caseInsensitive: boolean
  /** RE2 instructions: the cost of one subject character. */
  readonly programSize: number
  readonly maxSubjectLength: number
  /**
   * Whether the pattern occurs in the subject; false for a subject over the length limit, and
   * once `budget` cannot pay for the match.
   */
  test(subject: string, budget: MatchBudget): boolean
}

/** Why RE2 refused a pattern, said in terms of what the author can change. */
function reasonOf(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err)
  if (/invalid escape sequence: `\\[1-9]/.test(msg) || /`\\k[<{']?/.test(msg))
    return 'uses a backreference, which trigger patterns do not support (they are matched in linear time)'
  if (/`\(\?<?[=!]/.test(msg))
    return 'uses a lookahead or lookbehind, which trigger patterns do not support (they are matched in linear time)'
  return `is not a valid regular expression (RE2 syntax): ${msg}`
}

export interface CompileOptions {
  caseInsensitive?: boolean
  limits?: Readonly<IfcPatternLimits>
  cache?: TriggerPatternCache
}

/**
 * Compiles a trigger pattern, or throws {@link ImsParseError} at `path` saying why it cannot be
 * matched safely: too long, unsupported syntax, or a program over the limit.
 */
export function compileTriggerPattern(
  source: string,
  path: string,
  options: CompileOptions = {}
): TriggerPattern {
  const limits = options.limits ?? DEFAULT_IFC_PATTERN_LIMITS
  const cache = options.cache ?? isolateCache
  const ci = options.caseInsensitive === true
  if (source.length > limits.maxPatternLength)
    throw new ImsParseError(
      path,
      `is ${source.length} characters long; trigger patterns are limited to ${limits.maxPatternLength}`
    )
  let programSize: number
  try {
    programSize = cache.program(source, ci).programSize()
  } catch (err) {
    throw new ImsParseError(path, reasonOf(err))
  }
  if (programSize > limits.maxProgramSize)
    throw new ImsParseError(
      path,
      `compiles to ${programSize} instructions; trigger patterns are limited to ${limits.maxProgramSize} (use fewer or smaller repetition counts)`
    )
  const maxSubjectLength = limits.maxSubjectLength
  return {
    source,
    caseInsensitive: ci,
    programSize,
    maxSubjectLength,
    test(subject: string, budget: MatchBudget): boolean {
      if (subject.length > maxSubjectLength) return false
      const work = programSize * (subject.length + 1)
      if (!budget.spend(work)) return false
      const found = cache.program(source, ci).test(subject)
      cache.charge(source, ci, work)
      return found
    },
  }
}
