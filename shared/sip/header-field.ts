/**
 * @module header-field
 * One header field line as the message holds it. A field read from the wire points into the
 * message text (line span for byte-exact re-serialisation, value span for parsing) and is never
 * sliced until someone reads it; a field created by a mutation holds its own value string. Fields
 * are immutable apart from the parse cache, so messages can share them (cheap `clone`). Parsing
 * goes through the header table on first read and the result (or the error) is cached.
 */
import { SipParseError } from './errors'
import { displayName } from './header-names'
import { headerSpec } from './header-table'
import { unfold } from './scan'

export class HeaderField {
  /** Canonical lower-case long-form name (`via`, `call-id`, `x-custom`). */
  readonly key: string
  /** String holding the value: the message text, or the field's own value string. */
  readonly src: string
  readonly vStart: number
  readonly vEnd: number
  /** Line span `[lineStart, lineEnd)` in the message text; -1 for fields not from the wire. */
  readonly lineStart: number
  readonly lineEnd: number
  /** End of the header name in the line (wire fields), for `name`. */
  readonly nameEnd: number
  /** The value spans several lines (RFC 3261 §7.3.1 folding). */
  readonly folded: boolean
  /** Spelling to write when the field is not from the wire. */
  private readonly given: string | null
  /** Parse cache: undefined = not parsed yet. */
  private cache: unknown = undefined

  constructor(
    key: string,
    src: string,
    vStart: number,
    vEnd: number,
    lineStart: number,
    lineEnd: number,
    nameEnd: number,
    folded: boolean,
    given: string | null
  ) {
    this.key = key
    this.src = src
    this.vStart = vStart
    this.vEnd = vEnd
    this.lineStart = lineStart
    this.lineEnd = lineEnd
    this.nameEnd = nameEnd
    this.folded = folded
    this.given = given
  }

  /** A field created in code: `name` is written as given (or the display spelling of `key`). */
  static create(key: string, value: string, name?: string, parsed?: unknown): HeaderField {
    const f = new HeaderField(
      key,
      value,
      0,
      value.length,
      -1,
      -1,
      -1,
      false,
      name ?? displayName(key)
    )
    if (parsed !== undefined) f.cache = parsed
    return f
  }

  /** True when this field came from the parsed text and is written back byte-for-byte. */
  get fromWire(): boolean {
    return this.lineStart >= 0
  }

  /** Header name as received (`v`, `VIA`), or the spelling given when created. */
  get name(): string {
    return this.given ?? this.src.slice(this.lineStart, this.nameEnd)
  }

  /** Value text with folds replaced by one SP and outer white space trimmed. */
  get value(): string {
    const v = this.src.slice(this.vStart, this.vEnd)
    return this.folded ? unfold(v) : v
  }

  /** The whole line as it will be written (no CRLF). */
  get line(): string {
    return this.lineStart >= 0
      ? this.src.slice(this.lineStart, this.lineEnd)
      : `${this.given}: ${this.src.slice(this.vStart, this.vEnd)}`
  }

  /**
   * The parsed value (array for list headers) or, for headers without a parser, the value text.
   * Throws `SipParseError` naming the header when the value is malformed; the error is cached.
   */
  parsed(): unknown {
    const c = this.cache
    if (c !== undefined) {
      if (c instanceof SipParseError) throw c
      return c
    }
    const spec = headerSpec(this.key)
    if (spec === undefined) return (this.cache = this.value)
    try {
      return (this.cache = spec.parse(this.src, this.vStart, this.vEnd))
    } catch (e) {
      if (!(e instanceof SipParseError)) throw e
      const err = new SipParseError(
        'header-value',
        `Bad ${displayName(this.key)} header: ${e.reason}`,
        e.offset,
        { header: this.key }
      )
      this.cache = err
      throw err
    }
  }

  /** True when the value parses (or the header has no parser). */
  isValid(): boolean {
    try {
      this.parsed()
      return true
    } catch {
      return false
    }
  }
}

/**
 * Splits `s[start,end)` at top-level commas (not inside quotes, `<>` or an IPv6 `[]`), returning
 * `[start0, end0, start1, end1, …]` with white space trimmed. Used to edit list headers.
 */
export function splitList(s: string, start: number, end: number): number[] {
  const out: number[] = []
  let elem = start
  let angle = false
  let i = start
  const push = (a: number, b: number): void => {
    while (a < b && isWs(s.charCodeAt(a))) a++
    while (b > a && isWs(s.charCodeAt(b - 1))) b--
    out.push(a, b)
  }
  while (i < end) {
    const c = s.charCodeAt(i)
    if (c === 34) {
      i++
      while (i < end && s.charCodeAt(i) !== 34) i += s.charCodeAt(i) === 92 ? 2 : 1
    } else if (c === 60) angle = true
    else if (c === 62) angle = false
    else if (c === 44 && !angle) {
      push(elem, i)
      elem = i + 1
    }
    i++
  }
  push(elem, end)
  return out
}

const isWs = (c: number): boolean => c === 32 || c === 9 || c === 13 || c === 10
