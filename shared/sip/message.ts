/**
 * @module message
 * The parsed SIP message: `SipRequest` (method, Request-URI parsed on first read) and
 * `SipResponse` (status, reason) over the shared header store of `message-base`. Nothing is parsed
 * until read, and `parseMessage` reads the mandatory headers once to validate them, so those are
 * warm. `newRequest` / `newResponse` make messages in code (builders use them).
 */
import type { HeaderField } from './header-field'
import { SipMessageBase } from './message-base'
import { parseUri, serializeUri, type Uri } from './uri'

export { type HeaderInput, SipMessageBase } from './message-base'

export class SipRequest extends SipMessageBase {
  readonly kind = 'request' as const
  /** Method, case-sensitive (RFC 3261 §7.1). */
  readonly method: string
  private readonly uriStart: number
  private readonly uriEnd: number
  private readonly startLineEndAt: number
  private uriCache: Uri | undefined = undefined
  private uriString: string | undefined = undefined
  private startLineRaw: string | undefined = undefined

  constructor(
    src: string,
    headers: HeaderField[],
    binary: boolean,
    start: number,
    end: number,
    bodyStart: number,
    method: string,
    uriStart: number,
    uriEnd: number,
    startLineEnd: number
  ) {
    super(src, headers, binary, start, end, bodyStart)
    this.method = method
    this.uriStart = uriStart
    this.uriEnd = uriEnd
    this.startLineEndAt = startLineEnd
  }

  /** The Request-URI, parsed on first read. */
  get uri(): Uri {
    if (this.uriCache === undefined) this.uriCache = parseUri(this.src, this.uriStart, this.uriEnd)
    return this.uriCache
  }

  /** The Request-URI text. */
  get uriText(): string {
    if (this.uriString === undefined) this.uriString = this.src.slice(this.uriStart, this.uriEnd)
    return this.uriString
  }

  /** Replaces the Request-URI (RFC 3261 §16.5 retargeting, §16.6 step 6 strict routing). */
  setUri(uri: Uri | string): void {
    if (typeof uri === 'string') {
      this.uriCache = parseUri(uri)
      this.uriString = uri
    } else {
      this.uriCache = uri
      this.uriString = serializeUri(uri)
    }
    this.startLineRaw = `${this.method} ${this.uriString} SIP/2.0`
    this.modified = true
  }

  get startLine(): string {
    return this.startLineRaw ?? this.src.slice(this.start, this.startLineEndAt)
  }

  /**
   * RFC 3261 §16.6 step 3: decrement Max-Forwards, adding `Max-Forwards: 70` when absent.
   * Returns the new value. Callers reject a request whose value is already 0 with 483 first
   * (§16.3 step 3).
   */
  decrementMaxForwards(): number {
    const mf = this.maxForwards
    const next = mf === undefined ? 70 : Math.max(0, mf - 1)
    this.set('max-forwards', next)
    return next
  }

  clone(): SipRequest {
    const c = new SipRequest(
      this.src,
      this.fieldList.slice(),
      this.binary,
      this.start,
      this.bodyEnd,
      this.bodyStart,
      this.method,
      this.uriStart,
      this.uriEnd,
      this.startLineEndAt
    )
    this.copyStateTo(c)
    c.uriCache = this.uriCache
    c.uriString = this.uriString
    c.startLineRaw = this.startLineRaw
    return c
  }
}

export class SipResponse extends SipMessageBase {
  readonly kind = 'response' as const
  status: number
  reason: string
  private readonly startLineEndAt: number
  private startLineRaw: string | undefined = undefined

  constructor(
    src: string,
    headers: HeaderField[],
    binary: boolean,
    start: number,
    end: number,
    bodyStart: number,
    status: number,
    reason: string,
    startLineEnd: number
  ) {
    super(src, headers, binary, start, end, bodyStart)
    this.status = status
    this.reason = reason
    this.startLineEndAt = startLineEnd
  }

  /** Changes the status line (e.g. a proxy mapping 503 to 500, RFC 3261 §16.7 step 6). */
  setStatus(status: number, reason: string): void {
    this.status = status
    this.reason = reason
    this.startLineRaw = `SIP/2.0 ${status} ${reason}`
    this.modified = true
  }

  get startLine(): string {
    return this.startLineRaw ?? this.src.slice(this.start, this.startLineEndAt)
  }

  clone(): SipResponse {
    const c = new SipResponse(
      this.src,
      this.fieldList.slice(),
      this.binary,
      this.start,
      this.bodyEnd,
      this.bodyStart,
      this.status,
      this.reason,
      this.startLineEndAt
    )
    this.copyStateTo(c)
    c.startLineRaw = this.startLineRaw
    return c
  }
}

export type SipMessage = SipRequest | SipResponse

/** A request made in code (no source text): every field is written afresh. */
export function newRequest(method: string, uri: Uri | string, headers: HeaderField[]): SipRequest {
  const r = new SipRequest('', headers, false, 0, 0, 0, method, 0, 0, 0)
  r.setUri(uri)
  return r
}

/** A response made in code; `headers` may include fields shared with a parsed request. */
export function newResponse(status: number, reason: string, headers: HeaderField[]): SipResponse {
  const r = new SipResponse('', headers, false, 0, 0, 0, status, reason, 0)
  r.setStatus(status, reason)
  return r
}
