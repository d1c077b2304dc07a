/**
 * @module errors
 * The two typed errors of the SIP core. `SipParseError` is what every parser throws: a machine code,
 * a human reason (used as the reason phrase of the 400 it turns into), the offset in the input where
 * parsing stopped and, when known, the header it was reading. `SipError` is the project-wide error
 * vocabulary for "answer this request with this final response" (drachtio's `SipError`): any
 * component may throw it and the SIP front end maps it 1:1 to a response. `Result` is the
 * non-throwing form used by the `try*` entry points.
 */

/** What went wrong, as a stable code (the reason text may change; this does not). */
export type SipParseErrorCode =
  | 'empty'
  | 'start-line'
  | 'version'
  | 'status-code'
  | 'header-line'
  | 'header-value'
  | 'missing-header'
  | 'multiple-values'
  | 'content-length'
  | 'truncated'
  | 'cseq-mismatch'
  | 'uri'
  | 'too-large'

/** Whether the failing input was a request, a response, or could not be told. */
export type MessageKind = 'request' | 'response' | 'unknown'

export interface SipParseErrorOptions {
  /** Canonical (lower-case, long-form) name of the header being parsed. */
  header?: string
  /** Request or response, when the start line was recognised. */
  kind?: MessageKind
}

/** A syntax or framing error in SIP input; `status` is the response a UAS/proxy should send. */
export class SipParseError extends Error {
  override readonly name = 'SipParseError'
  readonly code: SipParseErrorCode
  /** Short human text naming the problem, suitable as a reason phrase ("Malformed Via header"). */
  readonly reason: string
  /** Offset into the parsed string where the problem was detected. */
  readonly offset: number
  header: string | undefined
  kind: MessageKind

  constructor(
    code: SipParseErrorCode,
    reason: string,
    offset: number,
    opts?: SipParseErrorOptions
  ) {
    super(`${reason} (at offset ${offset})`)
    this.code = code
    this.reason = reason
    this.offset = offset
    this.header = opts?.header
    this.kind = opts?.kind ?? 'unknown'
  }

  /** RFC 3261 §8.2.2 / §21.5.6: 505 for an unsupported SIP version, 400 for everything else. */
  get status(): 400 | 505 {
    return this.code === 'version' ? 505 : 400
  }
}

/** Non-throwing parse result (contributing §1). */
export type Result<T, E = SipParseError> = { ok: true; value: T } | { ok: false; error: E }

/** Runs `fn`, turning a thrown `SipParseError` into `{ok:false}`; other errors are bugs and rethrow. */
export function attempt<T>(fn: () => T): Result<T> {
  try {
    return { ok: true, value: fn() }
  } catch (e) {
    if (e instanceof SipParseError) return { ok: false, error: e }
    throw e
  }
}

export interface SipErrorOptions {
  cause?: unknown
  /** Seconds for a `Retry-After` header (RFC 3261 §20.33), e.g. 0 for overload 503s. */
  retryAfter?: number
  /** Extra headers for the response, as `[name, value]` pairs in order. */
  headers?: ReadonlyArray<readonly [string, string]>
}

/**
 * An error that maps 1:1 to a SIP final response. Pick the status by the real cause: 503 for a
 * backend that is down, 403 only for an authorization denial, 500 for a bug.
 */
export class SipError extends Error {
  override readonly name = 'SipError'
  readonly status: number
  readonly reason: string
  readonly retryAfter: number | undefined
  readonly headers: ReadonlyArray<readonly [string, string]>

  constructor(status: number, reason: string, opts?: SipErrorOptions) {
    if (!Number.isInteger(status) || status < 300 || status > 699) {
      throw new RangeError(`SipError status must be a final non-2xx code (300-699), got ${status}`)
    }
    super(`${status} ${reason}`, opts?.cause === undefined ? undefined : { cause: opts.cause })
    this.status = status
    this.reason = reason
    this.retryAfter = opts?.retryAfter
    this.headers = opts?.headers ?? []
  }
}
