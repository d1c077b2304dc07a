/**
 * @module ellis/homestead-client
 * Ellis's side of Homestead-prov (clearwater-interfaces §2.2), on this region's Dime over signed
 * HTTP: the calls number allocation and deletion make (§1.4), each checking the status crest
 * answers and turning anything else into a 502 carrying the upstream detail. Identities are
 * percent-encoded in paths; service-profile and IRS locations are taken from `Location`.
 */
import { UpstreamError } from './api-errors'
import { callUpstream, expectStatus, type SignedClient, type UpstreamResult } from './upstream'

const enc = encodeURIComponent

export interface HomesteadClient {
  putPrivateDigest(impi: string, digestHa1: string, realm: string): Promise<void>
  deletePrivate(impi: string): Promise<void>
  createIrs(): Promise<string>
  deleteIrs(irs: string): Promise<void>
  associateIrs(impi: string, irs: string): Promise<void>
  /** The IRSs of a private id; undefined when the private id does not exist (404). */
  irsOfPrivate(impi: string): Promise<string[] | undefined>
  publicIdsOfPrivate(impi: string): Promise<string[]>
  /** Creates a service profile in `irs`; returns its path `/irs/<irs>/service_profiles/<sp>`. */
  createServiceProfile(irs: string): Promise<string>
  deleteServiceProfile(spPath: string): Promise<void>
  putPublicId(spPath: string, impu: string): Promise<void>
  deletePublicId(spPath: string, impu: string): Promise<void>
  /** The service profile path of a public id (from the 303), or undefined on 404. */
  serviceProfileOf(impu: string): Promise<string | undefined>
  putFilterCriteria(spPath: string, xml: string): Promise<void>
  getFilterCriteria(spPath: string): Promise<UpstreamResult>
  /** The private ids of a public id, or undefined when Homestead does not know it (404). */
  privateIdsOf(impu: string): Promise<string[] | undefined>
}

/** `<PublicIdentity>` as Ellis sends it (crest accepts the element with its `<Identity>`). */
export function publicIdentityXml(impu: string): string {
  const esc = impu.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;')
  return `<PublicIdentity><Identity>${esc}</Identity></PublicIdentity>`
}

function json<T>(r: UpstreamResult): T {
  try {
    return JSON.parse(r.text) as T
  } catch {
    throw new UpstreamError(r.status, r.url, 'the answer is not JSON')
  }
}

function locationPath(r: UpstreamResult, pattern: RegExp): string {
  const loc = r.headers.get('location') ?? ''
  const path = loc.startsWith('http') ? new URL(loc).pathname : loc
  if (!pattern.test(path)) throw new UpstreamError(r.status, r.url, `unexpected Location "${loc}"`)
  return path
}

const SP_PATH = /^\/irs\/[0-9a-f-]{36}\/service_profiles\/[0-9a-f-]{36}$/i
const IRS_PATH = /^\/irs\/[0-9a-f-]{36}$/i

export function homesteadClient(client: SignedClient, dimeUrl: string): HomesteadClient {
  const call = (method: string, path: string, body?: string, headers?: Record<string, string>) =>
    callUpstream(client, method, `${dimeUrl}${path}`, body, headers)
  const jsonHeaders = { 'content-type': 'application/json' }
  const xmlHeaders = { 'content-type': 'application/xml' }
  return {
    async putPrivateDigest(impi, digestHa1, realm) {
      const body = JSON.stringify({ digest_ha1: digestHa1, realm })
      expectStatus(await call('PUT', `/private/${enc(impi)}`, body, jsonHeaders), 200)
    },
    async deletePrivate(impi) {
      expectStatus(await call('DELETE', `/private/${enc(impi)}`), 200, 204)
    },
    async createIrs() {
      const r = expectStatus(await call('POST', '/irs/'), 201)
      return locationPath(r, IRS_PATH).split('/')[2]!
    },
    async deleteIrs(irs) {
      expectStatus(await call('DELETE', `/irs/${irs}`), 200, 204)
    },
    async associateIrs(impi, irs) {
      expectStatus(
        await call('PUT', `/private/${enc(impi)}/associated_implicit_registration_sets/${irs}`),
        200
      )
    },
    async irsOfPrivate(impi) {
      const r = await call('GET', `/private/${enc(impi)}/associated_implicit_registration_sets`)
      if (r.status === 404) return undefined
      expectStatus(r, 200)
      return json<{ associated_implicit_registration_sets: string[] }>(r)
        .associated_implicit_registration_sets
    },
    async publicIdsOfPrivate(impi) {
      const r = expectStatus(await call('GET', `/private/${enc(impi)}/associated_public_ids`), 200)
      return json<{ associated_public_ids: string[] }>(r).associated_public_ids
    },
    async createServiceProfile(irs) {
      const r = expectStatus(await call('POST', `/irs/${irs}/service_profiles`), 201)
      return locationPath(r, SP_PATH)
    },
    async deleteServiceProfile(spPath) {
      expectStatus(await call('DELETE', spPath), 200, 204)
    },
    async putPublicId(spPath, impu) {
      expectStatus(
        await call('PUT', `${spPath}/public_ids/${enc(impu)}`, publicIdentityXml(impu), xmlHeaders),
        200
      )
    },
    async deletePublicId(spPath, impu) {
      expectStatus(await call('DELETE', `${spPath}/public_ids/${enc(impu)}`), 200)
    },
    async serviceProfileOf(impu) {
      const r = await call('GET', `/public/${enc(impu)}/service_profile`)
      if (r.status === 404) return undefined
      expectStatus(r, 303)
      return locationPath(r, SP_PATH)
    },
    async putFilterCriteria(spPath, xml) {
      expectStatus(await call('PUT', `${spPath}/filter_criteria`, xml, xmlHeaders), 200)
    },
    async getFilterCriteria(spPath) {
      return expectStatus(await call('GET', `${spPath}/filter_criteria`), 200)
    },
    async privateIdsOf(impu) {
      const r = await call('GET', `/public/${enc(impu)}/associated_private_ids`)
      if (r.status === 404) return undefined
      expectStatus(r, 200)
      return json<{ private_ids: string[] }>(r).private_ids
    },
  }
}
