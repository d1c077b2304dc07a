/**
 * @module homer/call-list/call-list-routes
 * Memento's HTTP API (clearwater-interfaces §8), served by Homer:
 * `GET /org.projectclearwater.call-list/users/<IMPU>/call-list.xml` (the IMPU URL-encoded), the
 * user's call list newest first (shared/ims/call-list.ts), gzip-encoded when the request's
 * `Accept-Encoding` allows it (RFC 9110 §12.5.3).
 *
 * Who may read it:
 * - a request signed for the trusted zone (Ellis's portal route), for any user;
 * - a caller with the deployment's API key in `NGV-API-Key` (403 for a wrong key; wrong keys are
 *   counted against the caller's source in the budget Ellis counts them in, and a source that
 *   spent it gets **429** with `Retry-After`, even for the right key: shared/http/api-key-guard.ts);
 * - a subscriber by HTTP Digest against its private identity's SIP credentials (Homer's Ut
 *   digest, ut-access.ts), when that identity is associated with the IMPU.
 *
 * Statuses as Clearwater's Memento (live tests 77, 78): 401 with challenges for no credentials,
 * **403** for a wrong password, **404** for another user's list (and for an identity that is not
 * a SIP or tel URI), **405** (`Allow: GET`) for any other method, 503 when a store or Dime is down.
 */
import { Hono } from 'hono'
import { z } from 'zod'
import { type ApiKeyGuardDeps, judgeApiKey } from '../../../shared/http/api-key-guard'
import type { FunctionBindings } from '../../../shared/http/function-app'
import { callListXml, mergeFragments } from '../../../shared/ims/call-list'
import type { Logger } from '../../../shared/log/logger'
import type { CallListStore } from '../../../shared/vellum/call-list-store'
import { Unavailable } from '../../../shared/vellum/errors'
import { DirectoryUnavailable } from '../dime-client'
import type { HomerContext } from '../homer-deps'
import { type AccessDeps, authorize } from '../ut-access'
import { errorResponse } from '../xcap-handlers'
import type { CallListLimits } from './call-list-config'

export const CALL_LIST_ROOT = '/org.projectclearwater.call-list'
export const CALL_LIST_CONTENT_TYPE = 'application/vnd.projectclearwater.call-list+xml'
export const API_KEY_HEADER = 'NGV-API-Key'

export interface CallListDeps {
  store: CallListStore
  access: AccessDeps
  /** The key a caller may present in `NGV-API-Key`, and how wrong ones are counted. */
  apiKeyGuard: ApiKeyGuardDeps
  /** The source wrong keys are counted against (homer/client-source.ts). */
  source: (c: HomerContext) => Promise<string>
  limits: CallListLimits
  log: Logger
}

export type CallListResolver = (c: HomerContext) => CallListDeps

/** A user identity: a SIP or tel URI no longer than Homer's identities (xcap-routes.ts). */
const Impu = z
  .string()
  .max(512)
  .regex(/^(sips?:[^\s]+|tel:[^\s]+)$/i)

/** Whether `Accept-Encoding` accepts gzip (a `q=0` refuses it, RFC 9110 §12.5.3). */
export function acceptsGzip(header: string | undefined): boolean {
  if (!header) return false
  for (const part of header.split(',')) {
    const [coding, ...params] = part.trim().toLowerCase().split(';')
    if (coding !== 'gzip' && coding !== 'x-gzip' && coding !== '*') continue
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='))
    if (q === undefined || Number(q.slice(2)) > 0) return true
  }
  return false
}

async function gzip(text: string): Promise<ArrayBuffer> {
  const stream = new Blob([text]).stream().pipeThrough(new CompressionStream('gzip'))
  return new Response(stream).arrayBuffer()
}

async function xmlAnswer(xml: string, gzipped: boolean): Promise<Response> {
  const headers: Record<string, string> = {
    'content-type': CALL_LIST_CONTENT_TYPE,
    'cache-control': 'no-store',
    vary: 'Accept-Encoding',
  }
  if (!gzipped) return new Response(xml, { status: 200, headers })
  headers['content-encoding'] = 'gzip'
  // Already encoded: workerd must send the bytes as they are (`encodeBody: 'manual'`).
  return new Response(await gzip(xml), {
    status: 200,
    headers,
    encodeBody: 'manual',
  } as ResponseInit)
}

async function handle(c: HomerContext, resolve: CallListResolver): Promise<Response> {
  const method = c.req.method.toUpperCase()
  if (method !== 'GET')
    return errorResponse(405, `${method} is not supported on a call list`, { allow: 'GET' })
  let raw: string
  try {
    raw = decodeURIComponent(c.req.param('impu') ?? '')
  } catch {
    return errorResponse(404, 'no call list at this address')
  }
  const impu = Impu.safeParse(raw)
  if (!impu.success) return errorResponse(404, 'no call list for this identity')
  const deps = resolve(c)
  try {
    const key = c.req.header(API_KEY_HEADER)
    if (key !== undefined) {
      const verdict = await judgeApiKey(deps.apiKeyGuard, await deps.source(c), key)
      if (verdict.kind === 'refused')
        return errorResponse(429, 'too many wrong API keys from your address; try again later', {
          'retry-after': String(verdict.retryAfterS),
        })
      if (verdict.kind === 'wrong') return errorResponse(403, 'wrong API key')
    } else {
      const access = await authorize(
        { method, url: c.req.url, headers: c.req.raw.headers, body: new Uint8Array() },
        impu.data,
        deps.access
      )
      if (!access.ok) {
        if (access.denial === 'wrong-password')
          return errorResponse(403, 'unknown user or wrong password')
        if (access.denial === 'foreign-identity')
          return errorResponse(404, 'no call list of yours at this address')
        return access.response
      }
    }
    const page = await deps.store.read(impu.data, deps.limits)
    const records = mergeFragments(page.fragments, deps.limits.maxCalls)
    // max_call_list_length: calls beyond the newest ones go.
    if (page.beyond.length > 0) await deps.store.trim(page.beyond)
    return await xmlAnswer(callListXml(records), acceptsGzip(c.req.header('accept-encoding')))
  } catch (err) {
    if (err instanceof DirectoryUnavailable || err instanceof Unavailable) {
      deps.log.warn('call list unavailable', { error: err })
      return errorResponse(503, err.message, { 'retry-after': '1' })
    }
    throw err
  }
}

export function createCallListRoutes(resolve: CallListResolver): Hono<FunctionBindings> {
  const app = new Hono<FunctionBindings>()
  app.all(`${CALL_LIST_ROOT}/users/:impu/call-list.xml`, (c) => handle(c, resolve))
  app.all(`${CALL_LIST_ROOT}/*`, () => errorResponse(404, 'no such call-list resource'))
  return app
}
