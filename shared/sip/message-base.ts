/**
 * @module message-base
 * What requests and responses share: the ordered header fields with typed lazy accessors (each
 * header parsed on first read through the header table and cached), the accessors a proxy reads
 * on every message, the body, the mutation API (set / append / prepend / remove / shift) and
 * serialisation. Mutations replace whole fields, so untouched fields keep pointing into the
 * original text and are written back byte-for-byte; an unmodified message serialises to its input.
 */
import type { Contact } from './contact'
import { SipParseError } from './errors'
import { HeaderField, splitList } from './header-field'
import { displayName, headerKey } from './header-names'
import { type HeaderKey, type HeaderTypes, headerSpec } from './header-table'
import type { NameAddr } from './name-addr'
import { getParam } from './params'
import type { CSeq } from './scalar-headers'
import { clampUtf8, utf8Length, utf8Offset } from './utf8'
import type { Via } from './via'

/** A value for `set`/`append`/`prepend`: wire text, one typed value, or several (list headers). */
export type HeaderInput<K extends string> = K extends HeaderKey
  ? string | HeaderTypes[K] | readonly HeaderTypes[K][]
  : string

const NO_VALUES: readonly unknown[] = Object.freeze([])

export abstract class SipMessageBase {
  /** The text this message was parsed from ('' for built messages). */
  readonly src: string
  /** Header fields in order (mutations replace this list; fields themselves never change). */
  protected fieldList: HeaderField[]
  /** True when the text was decoded one char per octet (Content-Length counts chars). */
  readonly binary: boolean
  /** Offset of the start line in `src` (leading CRLFs skipped). */
  readonly start: number
  /** Offset of the body in `src`. */
  protected readonly bodyStart: number
  /** End of the body in `src`; -2 until first needed (see `parseMessage`). */
  protected bodyEnd: number
  protected bodyText: string | undefined = undefined
  /** Set by any mutation: serialisation can no longer return the input as is. */
  modified = false

  constructor(
    src: string,
    headers: HeaderField[],
    binary: boolean,
    start: number,
    end: number,
    bodyStart: number
  ) {
    this.src = src
    this.fieldList = headers
    this.binary = binary
    this.start = start
    this.bodyStart = bodyStart
    this.bodyEnd = end
  }

  /** Header fields in order. Read-only: change headers through set/append/prepend/remove/shift. */
  get headers(): readonly HeaderField[] {
    return this.fieldList
  }

  /**
   * End of the message in `src`: octets after Content-Length are not part of it (RFC 3261 §18.3).
   * Resolved on first use when Content-Length equals the chars left, since only non-ASCII text in
   * the body can then make the octet count differ.
   */
  get end(): number {
    if (this.bodyEnd === -2) {
      const rest = this.src.length - this.bodyStart
      const e = utf8Offset(this.src, this.bodyStart, rest)
      // All ASCII: the body is the rest; otherwise the UTF-8 octet count exceeds Content-Length.
      this.bodyEnd = e === this.src.length ? e : clampUtf8(this.src, this.bodyStart, rest)
    }
    return this.bodyEnd
  }

  abstract readonly kind: 'request' | 'response'

  /** The start line as it will be written (no CRLF). */
  abstract get startLine(): string

  // ---- reading headers -------------------------------------------------------------------

  /** First field with canonical key `key` (internal fast path: `key` must be canonical). */
  protected first(key: string): HeaderField | undefined {
    const hs = this.fieldList
    for (let i = 0; i < hs.length; i++) if (hs[i]!.key === key) return hs[i]
    return undefined
  }

  /** Fields named `name` (any case, compact forms accepted), in order; all fields if omitted. */
  fields(name?: string): HeaderField[] {
    if (name === undefined) return this.fieldList.slice()
    const key = headerKey(name)
    return this.fieldList.filter((f) => f.key === key)
  }

  has(name: string): boolean {
    return this.first(headerKey(name)) !== undefined
  }

  /** Value text of the first field named `name`. */
  getRaw(name: string): string | undefined {
    return this.first(headerKey(name))?.value
  }

  /** Value texts of every field named `name`. */
  getAllRaw(name: string): string[] {
    return this.fields(name).map((f) => f.value)
  }

  /** First parsed value of header `key` (first element for list headers). Throws if malformed. */
  get<K extends HeaderKey>(key: K): HeaderTypes[K] | undefined {
    // Keys of the table are canonical already; only other spellings need canonicalising.
    let spec = headerSpec(key)
    let k: string = key
    if (spec === undefined) spec = headerSpec((k = headerKey(key)))
    const f = this.first(k)
    if (f === undefined) return undefined
    const v = f.parsed()
    return (spec?.list ? (v as unknown[])[0] : v) as HeaderTypes[K] | undefined
  }

  /** Every parsed value of header `key` across fields, in order (list headers flattened). */
  getAll<K extends HeaderKey>(key: K): readonly HeaderTypes[K][] {
    let spec = headerSpec(key)
    let k: string = key
    if (spec === undefined) spec = headerSpec((k = headerKey(key)))
    return this.all(k, spec?.list === true) as readonly HeaderTypes[K][]
  }

  /** `getAll` for a canonical key (internal fast path; may return a cached array, read-only). */
  protected all(k: string, list: boolean): readonly unknown[] {
    const hs = this.fieldList
    let out: readonly unknown[] | undefined
    let owned = false
    for (let i = 0; i < hs.length; i++) {
      const f = hs[i]!
      if (f.key !== k) continue
      const v = f.parsed()
      const vals = list ? (v as unknown[]) : [v]
      if (out === undefined) {
        out = vals
        owned = !list
      } else {
        const o = owned ? (out as unknown[]) : out.slice()
        for (const x of vals) o.push(x)
        out = o
        owned = true
      }
    }
    return out ?? NO_VALUES
  }

  // ---- the headers a proxy reads -----------------------------------------------------------

  private required<T>(key: string): T {
    const f = this.first(key)
    if (f === undefined) {
      throw new SipParseError('missing-header', `Missing ${displayName(key)} header`, 0, {
        header: key,
      })
    }
    return f.parsed() as T
  }

  /** Top Via (RFC 3261 §8.1.1.7). */
  get topVia(): Via {
    return this.required<Via[]>('via')[0]!
  }
  /** All Via values, top first. */
  get vias(): readonly Via[] {
    return this.all('via', true) as readonly Via[]
  }
  get from(): NameAddr {
    return this.required('from')
  }
  get to(): NameAddr {
    return this.required('to')
  }
  get fromTag(): string | undefined {
    return getParam(this.from.params, 'tag') ?? undefined
  }
  get toTag(): string | undefined {
    return getParam(this.to.params, 'tag') ?? undefined
  }
  get callId(): string {
    return this.required('call-id')
  }
  get cseq(): CSeq {
    return this.required('cseq')
  }
  get maxForwards(): number | undefined {
    return this.first('max-forwards')?.parsed() as number | undefined
  }
  /** Contact values (`'*'` for the REGISTER wildcard). */
  get contacts(): readonly Contact[] {
    return this.all('contact', true) as readonly Contact[]
  }

  // ---- body ----------------------------------------------------------------------------

  get body(): string {
    if (this.bodyText === undefined) this.bodyText = this.src.slice(this.bodyStart, this.end)
    return this.bodyText
  }

  /** Octet length of the body (what Content-Length must say). */
  get bodyLength(): number {
    return this.binary ? this.body.length : utf8Length(this.body)
  }

  /** Replaces the body, updating Content-Length (and Content-Type when given). */
  setBody(body: string, contentType?: string): void {
    this.bodyText = body
    this.modified = true
    this.set('content-length', String(this.bodyLength))
    if (contentType !== undefined) this.set('content-type', contentType)
  }

  // ---- mutation --------------------------------------------------------------------------

  private makeFields(key: string, name: string, value: unknown): HeaderField[] {
    const spell = name === key || name.length === 1 ? displayName(key) : name
    if (typeof value === 'string') return [HeaderField.create(key, value, spell)]
    const spec = headerSpec(key)
    if (spec === undefined) throw new TypeError(`header ${name} takes a string value`)
    const ser = spec.serialize as (v: unknown) => string
    if (spec.list) {
      const values = Array.isArray(value) ? (value as unknown[]) : [value]
      return [HeaderField.create(key, values.map(ser).join(', '), spell, values)]
    }
    const values = Array.isArray(value) && !spec.arrayValue ? (value as unknown[]) : [value]
    return values.map((v) => HeaderField.create(key, ser(v), spell, v))
  }

  /** Replaces every field named `name` with the given value(s), at the first one's position. */
  set<K extends string>(name: K, value: HeaderInput<K>): void {
    const key = headerKey(name)
    const made = this.makeFields(key, name, value)
    const at = this.fieldList.findIndex((f) => f.key === key)
    const rest = this.fieldList.filter((f) => f.key !== key)
    if (at < 0) rest.push(...made)
    else rest.splice(at, 0, ...made)
    this.fieldList = rest
    this.modified = true
  }

  /** Adds a field after the last field named `name` (or at the end). */
  append<K extends string>(name: K, value: HeaderInput<K>): void {
    const key = headerKey(name)
    let at = -1
    for (let i = 0; i < this.fieldList.length; i++) if (this.fieldList[i]!.key === key) at = i
    this.fieldList.splice(
      at < 0 ? this.fieldList.length : at + 1,
      0,
      ...this.makeFields(key, name, value)
    )
    this.modified = true
  }

  /** Adds a field before the first field named `name` (or at the top): a new Via, Record-Route. */
  prepend<K extends string>(name: K, value: HeaderInput<K>): void {
    const key = headerKey(name)
    const at = this.fieldList.findIndex((f) => f.key === key)
    this.fieldList.splice(Math.max(at, 0), 0, ...this.makeFields(key, name, value))
    this.modified = true
  }

  /** Removes every field named `name`; returns how many were removed. */
  remove(name: string): number {
    const key = headerKey(name)
    const before = this.fieldList.length
    this.fieldList = this.fieldList.filter((f) => f.key !== key)
    if (this.fieldList.length !== before) this.modified = true
    return before - this.fieldList.length
  }

  /**
   * Removes and returns the first value of header `key` (e.g. pop the top Route, RFC 3261 §16.4;
   * or the top Via of a response, §16.7 step 3). Other values of that field keep their text.
   */
  shift<K extends HeaderKey>(key: K): HeaderTypes[K] | undefined {
    const k = headerKey(key)
    const at = this.fieldList.findIndex((f) => f.key === k)
    if (at < 0) return undefined
    const f = this.fieldList[at]!
    const parsed = f.parsed()
    const spec = headerSpec(k)
    const values = spec?.list ? (parsed as unknown[]) : [parsed]
    const head = values[0] as HeaderTypes[K]
    const spans = splitList(f.src, f.vStart, f.vEnd)
    if (values.length <= 1 || spans.length < 4) this.fieldList.splice(at, 1)
    else {
      const restText = f.src.slice(spans[2]!, f.vEnd)
      this.fieldList[at] = HeaderField.create(k, restText, f.name, values.slice(1))
    }
    this.modified = true
    return head
  }

  /** A copy sharing the (immutable) fields; mutations of either do not affect the other. */
  abstract clone(): SipMessageBase

  protected copyStateTo(c: SipMessageBase): void {
    c.modified = this.modified
    c.bodyText = this.bodyText
  }

  /** The message text; an unmodified message returns exactly its input. */
  toString(): string {
    if (!this.modified)
      return this.start === 0 && this.end === this.src.length
        ? this.src
        : this.src.slice(this.start, this.end)
    let out = `${this.startLine}\r\n`
    const hs = this.fieldList
    let i = 0
    while (i < hs.length) {
      const f = hs[i]!
      if (f.fromWire && f.src === this.src) {
        // Write runs of adjacent untouched lines with one slice.
        let j = i
        while (
          j + 1 < hs.length &&
          hs[j + 1]!.fromWire &&
          hs[j + 1]!.src === this.src &&
          adjacent(this.src, hs[j]!, hs[j + 1]!)
        )
          j++
        out += `${this.src.slice(f.lineStart, hs[j]!.lineEnd)}\r\n`
        i = j + 1
      } else {
        out += `${f.line}\r\n`
        i++
      }
    }
    return `${out}\r\n${this.body}`
  }
}

/** Line `b` directly follows line `a` with a CRLF between them. */
const adjacent = (s: string, a: HeaderField, b: HeaderField): boolean =>
  b.lineStart === a.lineEnd + 2 && s.charCodeAt(a.lineEnd) === 13
