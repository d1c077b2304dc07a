/**
 * @module signature
 * The trusted zone (architecture §3): every internal request carries an HMAC-SHA-256 under the
 * deployment's hop secret over
 *
 *   method, target (the origin the sender addressed), path with query, timestamp, a random
 *   nonce, the headers a receiver trusts when signed ({@link SIGNED_HEADERS}), the body
 *
 * in one HMAC (format `edgewater-hop-3`); a receiver also accepts the previous format
 * (`edgewater-hop-2`, the body's SHA-256 in place of the body) from a sender not yet updated.
 *
 * The receiver refuses a request that is unsigned, wrongly signed, outside the window, signed for
 * another target (another function, region or edge), or already seen by this isolate
 * (replay-guard.ts). The target is checked against the receiver's own configured address, never
 * the Host it sees, so gateways in between may rewrite Host. During a key rotation a receiver
 * verifies with the current or the previous secret; senders sign with the current one.
 * WebCrypto only, so the same code runs in workerd, Lambda and Node. Imported keys and the parts
 * of the URLs a component signs for are kept per isolate.
 */

import { hmacSha256Key } from './hmac-key'
import { createReplayGuard, type ReplayGuard } from './replay-guard'

export const SIGNATURE_HEADER = 'x-edgewater-signature'
export const TIMESTAMP_HEADER = 'x-edgewater-timestamp'
export const NONCE_HEADER = 'x-edgewater-nonce'
export const TARGET_HEADER = 'x-edgewater-target'
/**
 * Headers a receiver believes only on a signed request (the client's address and public origin
 * that the edge vouches for, the region that forwarded an Ellis request, the XCAP identity
 * Ellis asserts to Homer). Absent ones are signed as empty, so one cannot be added in transit.
 */
export const SIGNED_HEADERS = [
  'x-edgewater-client-ip',
  'x-edgewater-forwarded-by',
  'x-forwarded-host',
  'x-forwarded-proto',
  'x-xcap-asserted-identity',
] as const
/** A request whose timestamp is further than this from the receiver's clock is stale. */
export const DEFAULT_MAX_SKEW_MS = 10_000
const NONCE_BYTES = 12

/** The keys and identity a component signs and verifies internal requests with. */
export interface HopKeys {
  /** Current secret: signs, and verifies. */
  secret: string
  /** The secret being rotated out: verifies only (`HOP_SECRET_PREVIOUS`). */
  previous?: string | undefined
  /**
   * Origins (`scheme://host[:port]`) this receiver is addressed at by its senders. A request
   * signed for any other target is refused. Absent: the origin of the URL it arrived at.
   */
  self?: readonly string[] | undefined
  /** Also accept the origin of the URL the request arrived at (the edge's public host). */
  selfFromRequest?: boolean | undefined
  /** Validity window either side of the receiver's clock (default {@link DEFAULT_MAX_SKEW_MS}). */
  maxSkewMs?: number | undefined
  /** Seen-signature memory (default: one per isolate, replay-guard.ts). */
  replay?: ReplayGuard | undefined
}

/** A bare secret (sign, or verify against the request's own origin) or full {@link HopKeys}. */
export type HopSecret = string | HopKeys

const encoder = new TextEncoder()
const EMPTY_BODY = new Uint8Array()
const isolateReplay = createReplayGuard()
/** A request verified twice in one isolate (two middlewares) is one request, not a replay. */
const verified = new WeakMap<Headers, VerifyResult>()

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'))

function toHex(b: Uint8Array): string {
  let s = ''
  for (let i = 0; i < b.length; i++) s += HEX[b[i]!]
  return s
}

/** Value of one lower-case hex digit, or -1. */
function nibble(c: number): number {
  if (c >= 48 && c <= 57) return c - 48
  if (c >= 97 && c <= 102) return c - 87
  return -1
}

function fromHex(s: string): Uint8Array<ArrayBuffer> | undefined {
  if (s.length % 2 !== 0) return undefined
  const out = new Uint8Array(s.length / 2)
  for (let i = 0; i < out.length; i++) {
    const hi = nibble(s.charCodeAt(2 * i))
    const lo = nibble(s.charCodeAt(2 * i + 1))
    if (hi < 0 || lo < 0) return undefined
    out[i] = (hi << 4) | lo
  }
  return out
}

function toBytes(
  body: string | Uint8Array | ArrayBuffer | undefined | null
): Uint8Array<ArrayBuffer> {
  if (body == null) return new Uint8Array()
  if (typeof body === 'string') return encoder.encode(body)
  return body instanceof Uint8Array ? (body as Uint8Array<ArrayBuffer>) : new Uint8Array(body)
}

/** URLs a component signs for or is reached at are few: their parts are kept per isolate. */
const URL_MEMO_LIMIT = 1_024
const urlMemo = new Map<string, { origin: string; pathAndQuery: string }>()

/** Origin and path with query of an absolute URL, as the WHATWG URL parser gives them. */
function urlParts(url: string): { origin: string; pathAndQuery: string } {
  let parts = urlMemo.get(url)
  if (!parts) {
    const u = new URL(url, 'http://internal.invalid')
    parts = { origin: u.origin, pathAndQuery: u.pathname + u.search }
    if (urlMemo.size >= URL_MEMO_LIMIT) urlMemo.clear()
    urlMemo.set(url, parts)
  }
  return parts
}

/** Reads a header from whatever a sender passes as its request headers (names in lower case). */
type HeaderSource = { get(name: string): string | null | undefined }

function headerSource(init: HeadersInit | undefined): HeaderSource {
  if (init === undefined) return { get: () => undefined }
  if (init instanceof Headers) return init
  const lower = new Map<string, string>()
  const pairs = Array.isArray(init) ? init : Object.entries(init)
  for (const [k, v] of pairs) if (k !== undefined && v !== undefined) lower.set(k.toLowerCase(), v)
  return lower
}

interface Signed {
  method: string
  target: string
  pathAndQuery: string
  timestamp: string
  nonce: string
  headers: HeaderSource
  body: Uint8Array<ArrayBuffer>
}

/** The canonical lines (format `edgewater-hop-3` unless given), each ending in a newline. */
function canonicalLines(s: Signed, version: string): string {
  let text = `${version}\n${s.method.toUpperCase()}\n${s.target}\n${s.pathAndQuery}\n${s.timestamp}\n${s.nonce}\n`
  for (const h of SIGNED_HEADERS) text += `${h}:${s.headers.get(h)?.trim() ?? ''}\n`
  return text
}

/**
 * `edgewater-hop-3`: the canonical lines, then the body bytes as they are, under one HMAC (the
 * lines have a fixed count and no line can hold a newline, so the body's start is unambiguous).
 */
function canonical(s: Signed): Uint8Array<ArrayBuffer> {
  const head = encoder.encode(canonicalLines(s, HOP_FORMAT))
  if (s.body.length === 0) return head
  const out = new Uint8Array(head.length + s.body.length)
  out.set(head)
  out.set(s.body, head.length)
  return out
}

/** `edgewater-hop-2`: the lines, then the hex SHA-256 of the body (verified, never signed). */
async function canonicalV2(s: Signed): Promise<Uint8Array<ArrayBuffer>> {
  const bodyHash = toHex(new Uint8Array(await crypto.subtle.digest('SHA-256', s.body)))
  return encoder.encode(canonicalLines(s, HOP_FORMAT_V2) + bodyHash)
}

const HOP_FORMAT = 'edgewater-hop-3'
const HOP_FORMAT_V2 = 'edgewater-hop-2'

const keysOf = (k: HopSecret): HopKeys => (typeof k === 'string' ? { secret: k } : k)

const originMemo = new Map<string, string>()

/** `scheme://host[:port]` of an absolute URL, lower-case, default port omitted. */
export function originOf(url: string): string {
  let origin = originMemo.get(url)
  if (origin === undefined) {
    origin = new URL(url).origin
    if (originMemo.size >= URL_MEMO_LIMIT) originMemo.clear()
    originMemo.set(url, origin)
  }
  return origin
}

export interface SignOptions {
  /** The headers the request will carry; those in {@link SIGNED_HEADERS} are signed. */
  headers?: HeadersInit | undefined
  now?: number | undefined
  nonce?: string | undefined
}

/**
 * Headers to add to an internal request to `url` (absolute: its origin names the target). Pass
 * in `opts.headers` every header of the request the receiver trusts ({@link SIGNED_HEADERS}).
 */
export async function signRequest(
  secret: HopSecret,
  method: string,
  url: string,
  body: string | Uint8Array | ArrayBuffer | undefined | null,
  opts: SignOptions = {}
): Promise<Record<string, string>> {
  const { origin, pathAndQuery } = urlParts(url)
  const timestamp = String(opts.now ?? Date.now())
  const nonce = opts.nonce ?? toHex(crypto.getRandomValues(new Uint8Array(NONCE_BYTES)))
  const signed: Signed = {
    method,
    target: origin,
    pathAndQuery,
    timestamp,
    nonce,
    headers: headerSource(opts.headers),
    body: EMPTY_BODY,
  }
  // A text body (a SIP message) is encoded with the lines in one pass: the same bytes as the
  // lines' then the body's (the last line ends in a newline, so no character spans the join).
  const data =
    typeof body === 'string' || body == null
      ? encoder.encode(canonicalLines(signed, HOP_FORMAT) + (body ?? ''))
      : canonical({ ...signed, body: toBytes(body) })
  const sig = await crypto.subtle.sign('HMAC', await hmacSha256Key(keysOf(secret).secret), data)
  return {
    [TIMESTAMP_HEADER]: timestamp,
    [NONCE_HEADER]: nonce,
    [TARGET_HEADER]: origin,
    [SIGNATURE_HEADER]: toHex(new Uint8Array(sig)),
  }
}

export type VerifyResult = { ok: true } | { ok: false; reason: string }

export interface VerifyOptions {
  now?: number | undefined
}

function acceptsTarget(keys: HopKeys, requestOrigin: string, target: string): boolean {
  if (!keys.self) return target === requestOrigin
  if (keys.selfFromRequest && target === requestOrigin) return true
  return keys.self.some((s) => originOf(s) === target)
}

/**
 * Checks a received request (constant time, via WebCrypto's verify). `url` is the URL it
 * arrived at (absolute); only its path and query are taken from it unless `keys.self` is unset.
 */
export async function verifySignature(
  keys: HopSecret,
  method: string,
  url: string,
  headers: Headers,
  body: Uint8Array | ArrayBuffer,
  opts: VerifyOptions = {}
): Promise<VerifyResult> {
  const memo = verified.get(headers)
  if (memo) return memo
  const result = await verifyOnce(keysOf(keys), method, url, headers, body, opts.now ?? Date.now())
  verified.set(headers, result)
  return result
}

async function verifyOnce(
  keys: HopKeys,
  method: string,
  url: string,
  headers: Headers,
  body: Uint8Array | ArrayBuffer,
  now: number
): Promise<VerifyResult> {
  const timestamp = headers.get(TIMESTAMP_HEADER)
  const sigHex = headers.get(SIGNATURE_HEADER)
  // Without a nonce or target the signature cannot verify: that is a bad signature.
  const nonce = headers.get(NONCE_HEADER) ?? ''
  const target = headers.get(TARGET_HEADER) ?? ''
  if (!timestamp || !sigHex) return { ok: false, reason: 'missing trusted-zone signature' }
  const window = keys.maxSkewMs ?? DEFAULT_MAX_SKEW_MS
  const t = Number(timestamp)
  if (!Number.isFinite(t) || Math.abs(now - t) > window)
    return { ok: false, reason: 'stale signature' }
  const sig = fromHex(sigHex)
  if (!sig) return { ok: false, reason: 'malformed signature' }
  const parts = urlParts(url)
  const signed: Signed = {
    method,
    target,
    pathAndQuery: parts.pathAndQuery,
    timestamp,
    nonce,
    headers,
    body: toBytes(body),
  }
  const secrets = keys.previous ? [keys.secret, keys.previous] : [keys.secret]
  let good = false
  const data = canonical(signed)
  for (const secret of secrets) {
    good = await crypto.subtle.verify('HMAC', await hmacSha256Key(secret), sig, data)
    if (good) break
  }
  // A sender still on the previous format (a deployment rolling out) signs `edgewater-hop-2`.
  if (!good) {
    const v2 = await canonicalV2(signed)
    for (const secret of secrets) {
      good = await crypto.subtle.verify('HMAC', await hmacSha256Key(secret), sig, v2)
      if (good) break
    }
  }
  if (!good) return { ok: false, reason: 'bad signature' }
  // Genuine, but meant for another function, region or edge: a replay elsewhere.
  if (!acceptsTarget(keys, parts.origin, target))
    return { ok: false, reason: 'signed for another target' }
  // Remember it until it could no longer pass the window check anyway.
  if (!(keys.replay ?? isolateReplay).admit(sigHex, t + window + 1, now))
    return { ok: false, reason: 'replayed signature' }
  return { ok: true }
}
