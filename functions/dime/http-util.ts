/**
 * @module dime/http-util
 * Small HTTP helpers shared by Dime's routes: one error body shape (`{"error","reason"}`, the
 * reason naming the field and the problem, never a stack), JSON bodies checked with zod, URL
 * path segments decoded the way Clearwater's handlers unescape them, registering a route with
 * and without its trailing slash (crest routes end in `/?`), and a 405 for other methods.
 */
import type { Hono } from 'hono'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import type { z } from 'zod'
import type { FunctionBindings } from '../../shared/http/function-app'
import type { DimeContext } from './dime-deps'

const REASONS: Record<number, string> = {
  400: 'bad request',
  403: 'forbidden',
  404: 'not found',
  405: 'method not allowed',
  409: 'conflict',
  413: 'payload too large',
  500: 'internal error',
  502: 'bad gateway',
  503: 'service unavailable',
  504: 'gateway timeout',
}

export function errorResponse(c: DimeContext, status: ContentfulStatusCode, reason: string) {
  return c.json({ error: REASONS[status] ?? 'error', reason }, status)
}

export type BodyResult<T> = { ok: true; value: T } | { ok: false; reason: string }

/** Describes zod issues as `field: problem; …` (the root is `(body)`). */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((i) => `${i.path.length ? i.path.join('.') : '(body)'}: ${i.message}`)
    .join('; ')
}

/** Parses `text` as JSON and checks it against `schema`. */
export function parseJsonBody<S extends z.ZodType>(
  text: string,
  schema: S
): BodyResult<z.infer<S>> {
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch {
    return { ok: false, reason: '(body): is not valid JSON' }
  }
  const r = schema.safeParse(raw)
  return r.success ? { ok: true, value: r.data } : { ok: false, reason: describeIssues(r.error) }
}

/** A path parameter, percent-decoded once (hono leaves malformed escapes as they are). */
export function pathParam(c: DimeContext, name: string): string {
  return c.req.param(name) ?? ''
}

type Method = 'get' | 'put' | 'post' | 'delete'
type Handler = (c: DimeContext) => Response | Promise<Response>

/**
 * Registers `handlers` on `path` and `path/`; any other method gets 405 (Tornado / Homestead
 * answer unsupported methods with 405).
 */
export function resource(
  app: Hono<FunctionBindings>,
  path: string,
  handlers: Partial<Record<Method, Handler>>
): void {
  const allowed = Object.keys(handlers)
    .map((m) => m.toUpperCase())
    .join(', ')
  for (const p of [path, `${path}/`]) {
    for (const [m, h] of Object.entries(handlers) as [Method, Handler][])
      app.on(m.toUpperCase(), p, h)
    app.all(p, (c) => {
      c.header('Allow', allowed)
      return errorResponse(c, 405, `${c.req.method} is not allowed here; use ${allowed}`)
    })
  }
}
