/**
 * @module ellis/form-mode
 * Browser-form mode (clearwater-interfaces §1.2): when a request carries `onsuccess` or
 * `onfailure` in its query or form body, the JSON answer becomes a 302 to that URL with the
 * outcome appended — `success=true&status=&message=&data=<json>` or
 * `error=true&status=&message=&reason=&detail=<json>` — and any cookie the answer set is kept.
 * Only same-site paths (`/…`, not `//…`) are accepted as targets, so Ellis is never an open
 * redirector. Secrets (`sip_password`) are left out of the appended data. Answers forwarded from the other region are already in final form.
 */
import type { Context, MiddlewareHandler } from 'hono'
import type { FunctionBindings } from '../../shared/http/function-app'
import { reasonPhrase } from './api-errors'
import { forwardedResponses } from './peer-link'

function formTarget(v: string | null | undefined): string | undefined {
  if (!v) return undefined
  if (!v.startsWith('/') || v.startsWith('//') || v.includes('\\')) return undefined
  return v
}

/** A field of a form-urlencoded body (hono caches the body, so handlers can read it again). */
async function formField(c: Context, name: string): Promise<string | undefined> {
  const type = c.req.header('content-type') ?? ''
  if (!type.includes('application/x-www-form-urlencoded')) return undefined
  return new URLSearchParams(await c.req.text()).get(name) ?? undefined
}

/**
 * Fields never put into a redirect URL (issue 14 finding 12): a URL ends up in browser history,
 * server logs and `Referer`. A form client that needs a SIP password asks with JSON instead.
 */
export const SECRET_FIELDS = ['sip_password'] as const

function withoutSecrets(body: Record<string, unknown>): Record<string, unknown> {
  const out = { ...body }
  for (const f of SECRET_FIELDS) delete out[f]
  return out
}

function withParams(target: string, params: Record<string, string>): string {
  const u = new URL(target, 'http://ellis.invalid')
  for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v)
  return `${u.pathname}${u.search}${u.hash}`
}

export function formMode(): MiddlewareHandler<FunctionBindings> {
  return async (c, next) => {
    const q = new URL(c.req.url).searchParams
    const onsuccess = formTarget(q.get('onsuccess') ?? (await formField(c, 'onsuccess')))
    const onfailure = formTarget(q.get('onfailure') ?? (await formField(c, 'onfailure')))
    await next()
    if (!onsuccess && !onfailure) return
    const res = c.res
    if (forwardedResponses.has(res)) return
    const ok = res.status < 400
    const target = ok ? onsuccess : onfailure
    if (!target) return
    const text = res.status === 204 ? '' : await res.clone().text()
    let body: Record<string, unknown> = {}
    try {
      body = text ? (JSON.parse(text) as Record<string, unknown>) : {}
    } catch {
      body = { text }
    }
    const params: Record<string, string> = ok
      ? {
          success: 'true',
          status: String(res.status),
          message: reasonPhrase(res.status),
          data: JSON.stringify(withoutSecrets(body)),
        }
      : {
          error: 'true',
          status: String(res.status),
          message: reasonPhrase(res.status),
          reason: String(body.reason ?? ''),
          detail: JSON.stringify(body.detail ?? {}),
        }
    const headers = new Headers({ location: withParams(target, params) })
    for (const cookie of res.headers.getSetCookie()) headers.append('set-cookie', cookie)
    c.res = new Response(null, { status: 302, headers })
  }
}

/** Whether the request asked for form mode with a success target (POST /accounts sets a cookie). */
export async function wantsFormSuccess(c: Context): Promise<boolean> {
  const q = new URL(c.req.url).searchParams
  return formTarget(q.get('onsuccess') ?? (await formField(c, 'onsuccess'))) !== undefined
}
