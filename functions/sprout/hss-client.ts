/**
 * @module sprout/hss-client
 * What Sprout asks Homestead ({@link HssClient}, answered in process by hss-local.ts or over the
 * hop by the client here, hss-mode.ts chooses), and the HTTP client of Dime's signalling API
 * (clearwater-interfaces §2.1): digest
 * authentication vectors (`GET /impi/<impi>/av/digest?impu=&server-name=`, the MAR; Dime adds
 * `ha1_sha256` when the password was provisioned in plaintext, RFC 8760), and the registration
 * state and user data (`GET|PUT /impu/<impu>/reg-data[?private_id=]`, the SAR). A REGISTER names
 * its authenticated private identity on every reg-data request, read-only GET included, so
 * Homestead refuses (404) a set that identity does not belong to. Requests are signed for the
 * trusted zone and go to this region's Dime, then to the other region's on a transport failure or a 5xx, so a lost region does not stop
 * registrations. Failures become {@link HssError} with the SIP status Sprout answers
 * (sm_sip_mapping.cpp): 404 → 403, 503/504/unreachable → 504, 500 → 500.
 */

import { type FunctionUrls, peerOf, type Region } from '../../shared/config/regions'
import type { RegDataReqType } from '../../shared/homestead/registration-state'
import type { Fetch } from '../../shared/hop/fetch'
import { signedFetch } from '../../shared/hop/signed-fetch'
import { parseRegDataXml, type RegData } from '../../shared/ims/reg-data-xml'
import type { Logger } from '../../shared/log/logger'

export type { RegDataReqType }

export interface DigestVector {
  /** MD5(impi:realm:password), hex. */
  ha1: string
  /** SHA-256(impi:realm:password), hex, when the password was provisioned in plaintext. */
  ha1Sha256?: string
  realm: string
  qop: string
}

export class HssError extends Error {
  override name = 'HssError'
  constructor(
    message: string,
    /** Homestead's HTTP status; 0 when no region answered. */
    readonly httpStatus: number,
    /** The SIP final response this failure maps to. */
    readonly sipStatus: number
  ) {
    super(message)
  }
}

export interface HssClient {
  digestVector(impi: string, impu: string): Promise<DigestVector>
  /** With `impi`, Homestead checks that the private identity belongs to the set (else 404). */
  getRegData(impu: string, impi?: string): Promise<RegData>
  putRegData(impu: string, reqtype: RegDataReqType, impi?: string): Promise<RegData>
  /**
   * In-process Homestead only (hss-local.ts): the regional-KV keys that answer the reg-data of
   * `impu` and, with `impi`, `digestVector(impi, impu)`, for a caller that reads them in the
   * same command as its own keys and hands the values over with {@link primeReadAhead}.
   */
  readAheadKeys?(impi: string | undefined, impu: string): string[]
  /** Values read for {@link readAheadKeys}, in order (undefined when missing or not read). */
  primeReadAhead?(keys: readonly string[], values: readonly unknown[]): void
}

export interface HssClientOptions {
  region: Region
  urls: FunctionUrls
  hopSecret: string
  /** This S-CSCF's URI, sent as server-name / server_name. */
  serverName: string
  log: Logger
  timeoutMs: number
  fetch?: Fetch
}

/** The SIP status a Homestead HTTP status maps to (sm_sip_mapping.cpp). */
export const sipStatusOf = (http: number): number =>
  http === 404 ? 403 : http === 500 ? 500 : http === 400 ? 400 : 504

/** The digest of a MAR answer's JSON body (`{"digest": {ha1, ha1_sha256?, realm, qop}}`). */
export function digestOf(body: unknown): DigestVector {
  const d = (body as { digest?: Record<string, unknown> } | null | undefined)?.digest
  // §5.2: a bad AV is treated as an unknown user (403).
  if (!d || typeof d.ha1 !== 'string' || typeof d.realm !== 'string')
    throw new HssError('authentication vector without a digest', 200, 403)
  return {
    ha1: d.ha1.toLowerCase(),
    ...(typeof d.ha1_sha256 === 'string' ? { ha1Sha256: d.ha1_sha256.toLowerCase() } : {}),
    realm: d.realm,
    qop: typeof d.qop === 'string' && d.qop ? d.qop : 'auth',
  }
}

const enc = encodeURIComponent

export function createHssClient(o: HssClientOptions): HssClient {
  const doFetch: Fetch = o.fetch ?? ((u, i) => fetch(u, i))

  async function call(method: string, path: string, body?: string): Promise<Response> {
    let last = 'no answer'
    for (const region of [o.region, peerOf(o.region)]) {
      const url = `${o.urls[region].dime.replace(/\/+$/, '')}${path}`
      try {
        const res = await signedFetch(doFetch, o.hopSecret, url, {
          method,
          headers: body !== undefined ? { 'content-type': 'application/json' } : {},
          body,
          signal: AbortSignal.timeout(o.timeoutMs),
        })
        if (res.status < 500) return res
        last = `HTTP ${res.status} from region ${region}`
        await res.body?.cancel()
      } catch (err) {
        last = `region ${region}: ${err instanceof Error ? err.message : String(err)}`
      }
      o.log.warn('Homestead request failed', { path, region, error: last })
    }
    throw new HssError(`Homestead did not answer ${method} ${path}: ${last}`, 0, 504)
  }

  async function expectOk(res: Response, what: string): Promise<Response> {
    if (res.ok) return res
    const text = await res.text().catch(() => '')
    throw new HssError(
      `${what}: HTTP ${res.status} ${text.slice(0, 200)}`,
      res.status,
      sipStatusOf(res.status)
    )
  }

  async function regData(res: Response, what: string): Promise<RegData> {
    const xml = await (await expectOk(res, what)).text()
    const parsed = parseRegDataXml(xml)
    if (!parsed.ok)
      throw new HssError(
        `${what}: unreadable reg-data (${parsed.error.path}: ${parsed.error.message})`,
        200,
        500
      )
    return parsed.value
  }

  return {
    async digestVector(impi, impu) {
      const path = `/impi/${enc(impi)}/av/digest?impu=${enc(impu)}&server-name=${enc(o.serverName)}`
      const res = await expectOk(await call('GET', path), 'authentication vector')
      return digestOf(await res.json().catch(() => ({})))
    },

    async getRegData(impu, impi) {
      const q = impi ? `?private_id=${enc(impi)}` : ''
      return regData(await call('GET', `/impu/${enc(impu)}/reg-data${q}`), 'reg-data')
    },

    async putRegData(impu, reqtype, impi) {
      const q = impi ? `?private_id=${enc(impi)}` : ''
      const body = JSON.stringify({ reqtype, server_name: o.serverName })
      return regData(
        await call('PUT', `/impu/${enc(impu)}/reg-data${q}`, body),
        `reg-data ${reqtype}`
      )
    },
  }
}
