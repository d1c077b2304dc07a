/**
 * Helpers for Dime's integration suites: signed requests to a region's Dime through the local
 * cloud, unique subscriber identities per run (the cloud's table may outlive a run), and the
 * Ellis-style provisioning sequence of clearwater-interfaces §1.4 over Homestead-prov.
 */
import type { Region } from '../../shared/config/regions'
import { signRequest } from '../../shared/hop/signature'
import { endpoints } from '../support/cloud'

export const enc = encodeURIComponent

export async function dime(
  method: string,
  path: string,
  body?: string,
  opts: { region?: Region; headers?: Record<string, string> } = {}
): Promise<Response> {
  const url = `${endpoints().functions[opts.region ?? 'a'].dime}${path}`
  const sig = await signRequest(endpoints().hopSecret, method, url, body ?? null)
  return fetch(url, {
    method,
    redirect: 'manual',
    headers: { ...sig, ...(opts.headers ?? {}) },
    ...(body !== undefined ? { body } : {}),
  })
}

/** A number unique to this run, as Ellis would allocate: `sip:<number>@<home domain>`. */
export function freshNumber(): { impu: string; impi: string; number: string } {
  const number = `650${String(Date.now()).slice(-7)}${Math.floor(Math.random() * 1000)}`
  const domain = endpoints().homeDomain
  return { impu: `sip:${number}@${domain}`, impi: `${number}@${domain}`, number }
}

export const defaultIfc = (domain: string) =>
  `<?xml version="1.0" encoding="UTF-8"?><ServiceProfile><InitialFilterCriteria><TriggerPoint><ConditionTypeCNF>0</ConditionTypeCNF><SPT><ConditionNegated>0</ConditionNegated><Group>0</Group><Method>INVITE</Method><Extension></Extension></SPT></TriggerPoint><ApplicationServer><ServerName>sip:mmtel.${domain}</ServerName><DefaultHandling>0</DefaultHandling></ApplicationServer></InitialFilterCriteria></ServiceProfile>`

export const publicIdentityXml = (impu: string, barred = false) =>
  `<PublicIdentity><Identity>${impu}</Identity>${barred ? '<BarringIndication>1</BarringIndication>' : ''}</PublicIdentity>`

async function expectStatus(r: Promise<Response>, status: number): Promise<Response> {
  const res = await r
  if (res.status !== status)
    throw new Error(`${res.url}: expected ${status}, got ${res.status} ${await res.text()}`)
  return res
}

/** Ellis's number allocation against Homestead-prov (§1.4 steps 2–3). */
export async function provision(
  impu: string,
  impi: string,
  password = 'secret-pw'
): Promise<{ irs: string; sp: string }> {
  await expectStatus(
    dime('PUT', `/private/${enc(impi)}`, JSON.stringify({ plaintext_password: password })),
    200
  )
  const irsLoc = (await expectStatus(dime('POST', '/irs/'), 201)).headers.get('location') ?? ''
  const irs = irsLoc.split('/')[2] ?? ''
  await expectStatus(
    dime('PUT', `/private/${enc(impi)}/associated_implicit_registration_sets/${irs}`),
    200
  )
  const assoc = (await (
    await dime('GET', `/private/${enc(impi)}/associated_implicit_registration_sets`)
  ).json()) as {
    associated_implicit_registration_sets: string[]
  }
  const first = assoc.associated_implicit_registration_sets[0] ?? irs
  const spLoc =
    (await expectStatus(dime('POST', `/irs/${first}/service_profiles`), 201)).headers.get(
      'location'
    ) ?? ''
  await expectStatus(dime('PUT', `${spLoc}/public_ids/${enc(impu)}`, publicIdentityXml(impu)), 200)
  const redirect = await expectStatus(dime('GET', `/public/${enc(impu)}/service_profile`), 303)
  const sp = redirect.headers.get('location') ?? ''
  await expectStatus(dime('PUT', `${sp}/filter_criteria`, defaultIfc(endpoints().homeDomain)), 200)
  return { irs: first, sp: sp.split('/')[4] ?? '' }
}
