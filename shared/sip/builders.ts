/**
 * @module builders
 * Making messages in code. `buildResponse` answers a request as RFC 3261 §8.2.6 says: Via values
 * (all, in order), From, Call-ID and CSeq copied byte-for-byte, To copied with a tag added when it
 * has none (except on 100), Record-Route copied into dialog-creating responses (§12.1.1) and
 * Timestamp into 100 Trying (§8.2.6.1). `buildRequest` assembles a request from parts and
 * `responseFromError` turns a thrown `SipError` into its response. Entropy for tags comes from an
 * injected `RandomSource`; without one, the tag is derived from the request so every
 * retransmission gets the same one (what a stateless responder needs).
 */
import type { SipError } from './errors'
import { HeaderField } from './header-field'
import { headerKey } from './header-names'
import { type HeaderKey, type HeaderTypes, serializeHeaderValue } from './header-table'
import { md5Hex } from './md5'
import { newRequest, newResponse, type SipRequest, type SipResponse } from './message'
import { type NameAddr, serializeNameAddr } from './name-addr'
import { generateTag, type RandomSource } from './random'
import { reasonPhrase } from './status-codes'
import type { Uri } from './uri'
import { serializeVia, type Via } from './via'

/** Extra headers: `[name, value]` pairs written in order. */
export type ExtraHeaders = ReadonlyArray<readonly [string, string]>

export interface ResponseOptions {
  /** Reason phrase; defaults to the standard one for the status. */
  reason?: string
  /** To tag to add when the request's To has none (keep it stable across a transaction's responses). */
  toTag?: string
  /** Source of entropy for a generated To tag. */
  random?: RandomSource
  headers?: ExtraHeaders
  body?: string
  contentType?: string
}

const DIALOG_METHODS = new Set(['INVITE', 'SUBSCRIBE', 'REFER', 'NOTIFY'])

/** True when a `status` response to `method` can create a dialog (RFC 3261 §12.1, RFC 6665 §4.1). */
export const createsDialog = (method: string, status: number): boolean =>
  status > 100 && status < 300 && DIALOG_METHODS.has(method)

/** A To tag for `req` that is the same on every retransmission of it. */
export function stableTag(req: SipRequest): string {
  return md5Hex(
    `${req.callId}|${req.fromTag ?? ''}|${req.topVia.branch ?? ''}|${req.cseq.seq}`
  ).slice(0, 16)
}

/** A response to `req` (RFC 3261 §8.2.6.2). */
export function buildResponse(
  req: SipRequest,
  status: number,
  opts: ResponseOptions = {}
): SipResponse {
  const fields: HeaderField[] = []
  const copy = (key: string): void => {
    for (const f of req.headers) if (f.key === key) fields.push(f)
  }
  copy('via')
  copy('from')
  const to = req.headers.find((f) => f.key === 'to')
  if (to !== undefined) {
    if (req.toTag === undefined && status !== 100) {
      const tag = opts.toTag ?? (opts.random ? generateTag(opts.random) : stableTag(req))
      fields.push(HeaderField.create('to', `${to.value};tag=${tag}`, 'To'))
    } else fields.push(to)
  }
  copy('call-id')
  copy('cseq')
  if (createsDialog(req.method, status)) copy('record-route')
  if (status === 100) copy('timestamp')
  for (const [name, value] of opts.headers ?? [])
    fields.push(HeaderField.create(headerKey(name), value, name))
  const res = newResponse(status, opts.reason ?? reasonPhrase(status), fields)
  res.setBody(opts.body ?? '', opts.body ? opts.contentType : undefined)
  return res
}

/** The response a thrown `SipError` stands for, with its Retry-After and extra headers. */
export function responseFromError(
  req: SipRequest,
  err: SipError,
  opts: Omit<ResponseOptions, 'reason'> = {}
): SipResponse {
  const headers: (readonly [string, string])[] = []
  if (err.retryAfter !== undefined) headers.push(['Retry-After', String(err.retryAfter)])
  headers.push(...err.headers, ...(opts.headers ?? []))
  return buildResponse(req, err.status, { ...opts, reason: err.reason, headers })
}

type Typed<K extends HeaderKey> = string | HeaderTypes[K]

const text = <K extends HeaderKey>(key: K, v: Typed<K>): string =>
  typeof v === 'string' ? v : serializeHeaderValue(key, v)

export interface RequestParts {
  method: string
  uri: Uri | string
  from: Typed<'from'>
  to: Typed<'to'>
  callId: string
  cseq: number
  /** Top-first Via values; usually one, built with `makeVia` and `generateBranch`. */
  via?: ReadonlyArray<Via | string>
  maxForwards?: number
  contact?: NameAddr | string
  /** Route set (RFC 3261 §12.2.1.1), top first. */
  route?: ReadonlyArray<NameAddr | string>
  headers?: ExtraHeaders
  body?: string
  contentType?: string
}

/** A request from parts (RFC 3261 §8.1.1 header set), with Content-Length filled in. */
export function buildRequest(p: RequestParts): SipRequest {
  const f: HeaderField[] = []
  for (const v of p.via ?? [])
    f.push(HeaderField.create('via', typeof v === 'string' ? v : serializeVia(v)))
  f.push(HeaderField.create('max-forwards', String(p.maxForwards ?? 70)))
  for (const r of p.route ?? [])
    f.push(HeaderField.create('route', typeof r === 'string' ? r : serializeNameAddr(r)))
  f.push(HeaderField.create('to', text('to', p.to)))
  f.push(HeaderField.create('from', text('from', p.from)))
  f.push(HeaderField.create('call-id', p.callId))
  f.push(HeaderField.create('cseq', `${p.cseq} ${p.method}`))
  if (p.contact !== undefined) f.push(HeaderField.create('contact', text('contact', p.contact)))
  for (const [name, value] of p.headers ?? [])
    f.push(HeaderField.create(headerKey(name), value, name))
  const req = newRequest(p.method, p.uri, f)
  req.setBody(p.body ?? '', p.body ? p.contentType : undefined)
  return req
}
