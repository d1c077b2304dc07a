/**
 * Helpers for Homer's integration tests: XCAP URLs of a user's simservs in either region, and
 * requests signed for the trusted zone (what Ellis and Sprout send).
 */
import type { Region } from '../../shared/config/regions'
import { signRequest } from '../../shared/hop/signature'
import { endpoints } from '../support/cloud'

export const SIMSERVS_NS = 'http://uri.etsi.org/ngn/params/xml/simservs/xcap'
export const CP_NS = 'urn:ietf:params:xml:ns:common-policy'

export function uniqueImpu(tag: string): string {
  return `sip:homer-${tag}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 7)}@${endpoints().homeDomain}`
}

export function homerUrl(region: Region, path: string): string {
  return `${endpoints().functions[region].homer}${path}`
}

export const simservsPath = (impu: string, suffix = '') =>
  `/org.etsi.ngn.simservs/users/${encodeURIComponent(impu)}/simservs.xml${suffix}`

/** A trusted-zone request to Homer in `region`. */
export async function signedHomer(
  region: Region,
  method: string,
  path: string,
  body?: string,
  headers: Record<string, string> = {}
): Promise<Response> {
  const url = homerUrl(region, path)
  const sig = await signRequest(endpoints().hopSecret, method, url, body ?? null)
  return fetch(url, {
    method,
    headers: {
      ...sig,
      ...(body !== undefined ? { 'content-type': 'application/vnd.etsi.simservs+xml' } : {}),
      ...headers,
    },
    ...(body !== undefined ? { body } : {}),
  })
}

/** The model the MMTEL cheap path returns for `impu`, read through Homer in `region`. */
export async function mmtelRead(region: Region, impu: string) {
  const r = await signedHomer(region, 'GET', `/mmtel/simservs/${encodeURIComponent(impu)}`)
  if (r.status !== 200) throw new Error(`mmtel read ${r.status}: ${await r.text()}`)
  return (await r.json()) as {
    impu: string
    source: 'cache' | 'table'
    etag: string | null
    roundTrips: { calls: number; depth: number; byStore: Record<string, number> } | null
    model: {
      cdiv?: {
        active: boolean
        noReplyTimerS: number
        rules: Array<{ id: string; forwardTo?: { target: string } }>
      }
      ocb?: { rules: Array<{ id: string; allow: boolean }> }
    } | null
  }
}

export function cdivDocument(target: string, noReplyTimer = 20): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<simservs xmlns="${SIMSERVS_NS}" xmlns:cp="${CP_NS}">
  <originating-identity-presentation active="true"/>
  <communication-diversion active="true">
    <NoReplyTimer>${noReplyTimer}</NoReplyTimer>
    <cp:ruleset>
      <cp:rule id="rule0">
        <cp:conditions><no-answer/></cp:conditions>
        <cp:actions><forward-to><target>${target}</target></forward-to></cp:actions>
      </cp:rule>
    </cp:ruleset>
  </communication-diversion>
</simservs>
`
}
