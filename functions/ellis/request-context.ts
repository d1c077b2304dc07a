/**
 * @module ellis/request-context
 * What Ellis knows about a request before any route runs: its body (read once, size-limited),
 * whether it carries a valid trusted-zone signature (the edge signs what it proxies, the other
 * region's Ellis signs what it forwards), and only then the facts those signers vouch for: the
 * client's address (for login throttling), the public origin and scheme (links in mail, the
 * cookie's `Secure` flag) and which region forwarded it. Unsigned requests (a Lambda function
 * URL called directly) are served too; their client address is the last `X-Forwarded-For` hop.
 *
 * Arguments follow Clearwater's Tornado handlers (clearwater-interfaces §1): the body is JSON
 * when the content type says so, form-urlencoded likewise, and guessed when there is none
 * (JSON if it looks like a JSON object, array or `null`); a field is looked up in the body and
 * then in the query string.
 */
import { isRegion, type Region } from '../../shared/config/regions'
import { verifySignature } from '../../shared/hop/signature'
import { functionHopKeys } from '../../shared/http/trusted-zone'
import { badRequest, EllisError } from './api-errors'
import { ELLIS_LIMITS } from './ellis-config'
import type { EllisContext } from './ellis-deps'

export const CLIENT_IP_HEADER = 'x-edgewater-client-ip'
export const FORWARDED_BY_HEADER = 'x-edgewater-forwarded-by'
export const SERVED_BY_HEADER = 'x-edgewater-served-by'

export interface RequestMeta {
  body: Uint8Array<ArrayBuffer>
  trusted: boolean
  clientId: string
  forwardedBy: Region | undefined
  origin: string
  secure: boolean
}

const metas = new WeakMap<Request, RequestMeta>()

/**
 * `_hopSecret` is kept for the callers' sake: the signature is checked with Ellis's own
 * trusted-zone keys (its address, both secrets of a rotation), from the function's services.
 */
export async function requestMeta(c: EllisContext, _hopSecret: string): Promise<RequestMeta> {
  const services = c.get('services')
  const hit = metas.get(c.req.raw)
  if (hit) return hit
  const declared = Number(c.req.header('content-length') ?? 0)
  if (declared > ELLIS_LIMITS.maxBodyBytes)
    throw new EllisError(413, `request bodies are limited to ${ELLIS_LIMITS.maxBodyBytes} bytes`)
  const body = new Uint8Array(await c.req.arrayBuffer())
  if (body.length > ELLIS_LIMITS.maxBodyBytes)
    throw new EllisError(413, `request bodies are limited to ${ELLIS_LIMITS.maxBodyBytes} bytes`)
  const signed =
    c.req.header('x-edgewater-signature') !== undefined &&
    (
      await verifySignature(
        functionHopKeys(services.env, services.self),
        c.req.method,
        c.req.url,
        c.req.raw.headers,
        body
      )
    ).ok
  const url = new URL(c.req.url)
  const h = (n: string) => c.req.header(n)?.trim() || undefined
  const xff = h('x-forwarded-for')
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean)
  const proto = (signed ? h('x-forwarded-proto') : undefined) ?? url.protocol.replace(':', '')
  const host = (signed ? h('x-forwarded-host') : undefined) ?? url.host
  const fwd = signed ? h(FORWARDED_BY_HEADER) : undefined
  const meta: RequestMeta = {
    body,
    trusted: signed,
    clientId: (signed ? h(CLIENT_IP_HEADER) : undefined) ?? xff?.at(-1) ?? 'unknown',
    forwardedBy: isRegion(fwd) ? fwd : undefined,
    origin: `${proto}://${host}`,
    secure: proto === 'https',
  }
  metas.set(c.req.raw, meta)
  return meta
}

export interface Args {
  /** A named argument from the body (JSON object or form) or else the query string. */
  field(name: string): string | undefined
  /** The raw body as text. */
  text: string
  /** The parsed JSON body, when the body is JSON. */
  json: unknown
}

function looksLikeJson(t: string): boolean {
  return (
    (t.startsWith('{') && t.endsWith('}')) || (t.startsWith('[') && t.endsWith(']')) || t === 'null'
  )
}

export function parseArgs(c: EllisContext, meta: RequestMeta): Args {
  const text = new TextDecoder().decode(meta.body)
  const type = (c.req.header('content-type') ?? '').toLowerCase()
  const trimmed = text.trim()
  let json: unknown
  let form: URLSearchParams | undefined
  if (type.includes('json') || (!type && looksLikeJson(trimmed))) {
    if (trimmed !== '') {
      try {
        json = JSON.parse(trimmed)
      } catch {
        throw badRequest('(body): is not valid JSON')
      }
    }
  } else if (
    type.includes('application/x-www-form-urlencoded') ||
    (!type && trimmed.includes('='))
  ) {
    form = new URLSearchParams(trimmed)
  }
  const query = new URL(c.req.url).searchParams
  return {
    text,
    json,
    field(name) {
      if (json && typeof json === 'object' && !Array.isArray(json)) {
        const v = (json as Record<string, unknown>)[name]
        if (typeof v === 'string') return v
        if (typeof v === 'number' || typeof v === 'boolean') return String(v)
      }
      const f = form?.get(name)
      if (f !== null && f !== undefined) return f
      return query.get(name) ?? undefined
    },
  }
}

/** Clearwater's boolean arguments: `true`/`false` (also 1/0, yes/no). */
export function boolArg(value: string | undefined, name: string, dflt: boolean): boolean {
  if (value === undefined || value === '') return dflt
  const v = value.toLowerCase()
  if (v === 'true' || v === '1' || v === 'yes') return true
  if (v === 'false' || v === '0' || v === 'no') return false
  throw badRequest(`${name}: must be true or false`)
}
