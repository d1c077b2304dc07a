/**
 * @module dime/request-limits
 * Limits on what a request may ask Dime to store or look up, checked once before routing so no
 * handler sends the global table a key or an item it refuses (DynamoDB: partition keys ≤ 2048
 * bytes, sort keys ≤ 1024, items ≤ 400 KB; a refusal there would otherwise be a 500):
 *
 * - every path segment and every query value (percent-decoded; the opaque `cursor` of a CDR
 *   query excepted) is at most `DIME_MAX_IDENTITY_BYTES` bytes of UTF-8 (default 512): private
 *   and public identities, IRS and service profile ids, Call-IDs. Longer: **400** naming it.
 * - a body is at most `DIME_MAX_BODY_BYTES` (default 65 536; the XML documents Dime accepts are
 *   capped at 64 KiB by shared/ims/xml-tree.ts already). Larger: **413**.
 *
 * Both settings are optional bindings; a bad value fails the request with a configuration error
 * naming it.
 */
import type { MiddlewareHandler } from 'hono'
import { z } from 'zod'
import { parseCachedConfig } from '../../shared/config/cached-config'
import type { RawEnv } from '../../shared/config/function-env'
import {
  DEFAULT_MAX_IDENTITY_BYTES,
  MAX_IDENTITY_BYTES_CEILING,
  maxIdentityBytesSetting,
} from '../../shared/homestead/homestead-config'
import type { FunctionBindings } from '../../shared/http/function-app'
import { errorResponse } from './http-util'

export { DEFAULT_MAX_IDENTITY_BYTES, MAX_IDENTITY_BYTES_CEILING }
export const DEFAULT_MAX_BODY_BYTES = 65_536
/** Query parameters exempt from the identity limit (opaque tokens Dime issued itself). */
const OPAQUE_QUERY = new Set(['cursor'])

export interface RequestLimits {
  maxIdentityBytes: number
  maxBodyBytes: number
}

const schema = z.object({
  DIME_MAX_IDENTITY_BYTES: maxIdentityBytesSetting,
  DIME_MAX_BODY_BYTES: z.coerce.number().int().min(1_024).max(350_000).optional(),
})

const parseRequestLimits = parseCachedConfig(schema, 'dime', (data): RequestLimits => {
  const limits = {
    maxIdentityBytes: data.DIME_MAX_IDENTITY_BYTES ?? DEFAULT_MAX_IDENTITY_BYTES,
    maxBodyBytes: data.DIME_MAX_BODY_BYTES ?? DEFAULT_MAX_BODY_BYTES,
  }
  return limits
})

export function requestLimits(raw: RawEnv): RequestLimits {
  return parseRequestLimits(raw)
}

const encoder = new TextEncoder()

function decoded(s: string): string {
  try {
    return decodeURIComponent(s)
  } catch {
    return s // a malformed escape stays as it is, as hono leaves it
  }
}

const shown = (s: string) => (s.length > 40 ? `${s.slice(0, 40)}…` : s)

/** The first part of the request over a limit, described for the 400/413 reason. */
export function overLimit(
  url: URL,
  bodyBytes: number,
  limits: RequestLimits
): { status: 400 | 413; reason: string } | undefined {
  const max = limits.maxIdentityBytes
  for (const seg of url.pathname.split('/')) {
    const v = decoded(seg)
    if (encoder.encode(v).length > max)
      return {
        status: 400,
        reason: `path segment "${shown(v)}": longer than ${max} bytes, the longest identity Dime keeps`,
      }
  }
  for (const [name, v] of url.searchParams) {
    if (OPAQUE_QUERY.has(name)) continue
    if (encoder.encode(v).length > max)
      return { status: 400, reason: `${shown(name)}: longer than ${max} bytes` }
  }
  if (bodyBytes > limits.maxBodyBytes)
    return { status: 413, reason: `(body): larger than ${limits.maxBodyBytes} bytes` }
  return undefined
}

/** Middleware refusing requests over the limits (run after the trusted zone read the body). */
export function enforceRequestLimits(): MiddlewareHandler<FunctionBindings> {
  return async (c, next) => {
    const limits = requestLimits(c.env ?? {})
    const body = await c.req.arrayBuffer()
    const over = overLimit(new URL(c.req.url), body.byteLength, limits)
    if (over) return errorResponse(c, over.status, over.reason)
    await next()
  }
}
