/**
 * Helpers for Ellis's integration tests: API calls through either region's edge (or straight to
 * a region's Ellis function), unique account addresses, sign-up plus login returning the
 * session cookie, and the admin header.
 */
import type { Region } from '../../shared/config/regions'
import { signRequest } from '../../shared/hop/signature'
import { endpoints } from '../support/cloud'

export const edgeApi = (region: Region, path: string) => `${endpoints().edges[region]}/api${path}`
export const directApi = (region: Region, path: string) =>
  `${endpoints().functions[region].ellis}/api${path}`
export const admin = () => ({ 'ngv-api-key': endpoints().ellisApiKey })
export const json = { 'content-type': 'application/json' }

let seq = 0
export function uniqueEmail(tag: string): string {
  seq++
  return `${tag}-${Date.now().toString(36)}-${seq}-${Math.random().toString(36).slice(2, 6)}@example.com`
}

export async function call(
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: string } = {}
): Promise<Response> {
  return fetch(url, { redirect: 'manual', ...init })
}

export async function signUp(
  email: string,
  region: Region = 'a',
  password = 'secret-pw'
): Promise<string> {
  const r = await call(edgeApi(region, '/accounts'), {
    method: 'POST',
    headers: { ...json, 'ngv-signup-code': endpoints().signupCode },
    body: JSON.stringify({ email, password, full_name: `Test ${email.split('@')[0]}` }),
  })
  if (r.status !== 201) throw new Error(`sign-up ${r.status}: ${await r.text()}`)
  return logIn(email, region, password)
}

export async function logIn(email: string, region: Region = 'a', password = 'secret-pw') {
  const s = await call(edgeApi(region, '/session'), {
    method: 'POST',
    headers: json,
    body: JSON.stringify({ email, password }),
  })
  if (s.status !== 201) throw new Error(`login ${s.status}: ${await s.text()}`)
  return cookieOf(s)
}

export function cookieOf(r: Response): string {
  const c = r.headers.getSetCookie().find((x) => x.startsWith('username='))
  if (!c) throw new Error('no session cookie in the answer')
  return c.split(';')[0]!
}

export interface NumberJson {
  sip_uri: string
  private_id: string
  sip_password?: string
  number_id: string
  [k: string]: unknown
}

export async function allocate(
  region: Region,
  email: string,
  cookie: string,
  query = ''
): Promise<Response> {
  return call(edgeApi(region, `/accounts/${email}/numbers${query}`), {
    method: 'POST',
    headers: { cookie },
  })
}

/** A trusted-zone request to a function of a region (what Ellis itself sends to Homer). */
export async function signedTo(
  region: Region,
  fn: 'homer' | 'dime',
  method: string,
  path: string
): Promise<Response> {
  const url = `${endpoints().functions[region][fn]}${path}`
  return fetch(url, {
    method,
    headers: await signRequest(endpoints().hopSecret, method, url, null),
  })
}

export const enc = encodeURIComponent

export async function body(r: Response): Promise<{ reason?: string; [k: string]: unknown }> {
  return (await r.json()) as { reason?: string; [k: string]: unknown }
}
