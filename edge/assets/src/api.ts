/**
 * @module portal/api
 * The portal's client of the Ellis API (`/api`, same origin, the session cookie goes along).
 * Every failure becomes an {@link ApiError} whose message is a sentence a person can act on:
 * Ellis's own reason, and for upstream failures the reason Homer or Homestead gave.
 */
import type { NumberJson } from '../../../functions/ellis/numbers/number-format'

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string
  ) {
    super(message)
  }
}

interface ErrorBody {
  reason?: string
  detail?: Record<string, unknown>
}

function explain(status: number, body: ErrorBody | undefined): string {
  const upstream = body?.detail?.['Upstream reason']
  if (status === 502 && typeof upstream === 'string') return `The change was refused: ${upstream}`
  if (body?.reason) return body.reason.charAt(0).toUpperCase() + body.reason.slice(1)
  if (status === 0) return 'The server could not be reached. Check your connection and try again.'
  return `The server answered ${status}.`
}

export interface CallOptions {
  json?: unknown
  body?: string
  headers?: Record<string, string>
}

export async function api(method: string, path: string, opts: CallOptions = {}): Promise<Response> {
  const headers: Record<string, string> = { ...(opts.headers ?? {}) }
  let body: string | undefined = opts.body
  if (opts.json !== undefined) {
    headers['content-type'] = 'application/json'
    body = JSON.stringify(opts.json)
  }
  let res: Response
  try {
    res = await fetch(`/api${path}`, {
      method,
      headers,
      credentials: 'same-origin',
      ...(body !== undefined ? { body } : {}),
    })
  } catch {
    throw new ApiError(0, explain(0, undefined))
  }
  if (!res.ok) {
    let parsed: ErrorBody | undefined
    try {
      parsed = (await res.json()) as ErrorBody
    } catch {
      parsed = undefined
    }
    throw new ApiError(res.status, explain(res.status, parsed))
  }
  return res
}

export async function apiJson<T>(method: string, path: string, opts: CallOptions = {}): Promise<T> {
  return (await (await api(method, path, opts)).json()) as T
}

export interface Me {
  username: string
  full_name: string
}

/** The logged-in account, or undefined. */
export async function currentUser(): Promise<Me | undefined> {
  try {
    return await apiJson<Me>('GET', '/session')
  } catch (err) {
    if (err instanceof ApiError && err.status === 403) return undefined
    throw err
  }
}

/** The logged-in account; sends anyone else to the login page. */
export async function requireUser(): Promise<Me> {
  const me = await currentUser()
  if (!me) {
    location.assign(`/login.html?next=${encodeURIComponent(location.pathname + location.search)}`)
    throw new ApiError(403, 'Not logged in.')
  }
  return me
}

/** A number as Ellis answers it (functions/ellis/number-format.ts). */
export type NumberInfo = NumberJson

export const accountPath = (email: string) => `/accounts/${encodeURIComponent(email)}`
export const linePath = (email: string, sipUri: string) =>
  `${accountPath(email)}/numbers/${encodeURIComponent(sipUri)}`
