/**
 * @module homer/dime-client
 * What Homer asks Dime (Homestead-prov API, clearwater-interfaces §2.2) to authenticate a UE on
 * the Ut interface: the private identity's digest credentials (`GET /private/<impi>`: HA1,
 * realm, and the plaintext password when one was provisioned) and the public identities of its
 * implicit registration sets (`GET /private/<impi>/associated_public_ids`). Requests are signed
 * for the trusted zone and go to the local region's Dime, then to the other region's when the
 * local one fails at the transport or answers 5xx (a dead region must not lock users out).
 */

import { type FunctionUrls, peerOf, type Region } from '../../shared/config/regions'
import type { Fetch } from '../../shared/hop/fetch'
import { signedFetch } from '../../shared/hop/signed-fetch'
import type { Logger } from '../../shared/log/logger'

export interface DigestSecret {
  realm: string
  /** MD5(impi:realm:password), as Homestead stores it. */
  ha1Md5: string
  /** Present when the password was provisioned in plaintext: enables SHA-256 digest. */
  password: string | undefined
}

export interface SubscriberDirectory {
  /** The private identity's credentials, or undefined when Dime does not know it. */
  digestSecret(impi: string): Promise<DigestSecret | undefined>
  /** Public identities of the private identity's implicit registration sets ([] if unknown). */
  publicIds(impi: string): Promise<string[]>
}

/** Dime could not be reached in either region: the caller answers 503, never 401/403. */
export class DirectoryUnavailable extends Error {
  override name = 'DirectoryUnavailable'
}

export interface DimeClientOptions {
  region: Region
  urls: FunctionUrls
  hopSecret: string
  log: Logger
  fetch?: Fetch
  timeoutMs?: number
}

export function createDimeClient(o: DimeClientOptions): SubscriberDirectory {
  const doFetch: Fetch = o.fetch ?? ((u, i) => fetch(u, i))
  const timeoutMs = o.timeoutMs ?? 2_000

  /** GET a JSON resource; undefined on 404; throws Unavailable when no region answers. */
  async function getJson(path: string): Promise<Record<string, unknown> | undefined> {
    let lastError = ''
    for (const region of [o.region, peerOf(o.region)]) {
      const url = `${o.urls[region].dime.replace(/\/$/, '')}${path}`
      try {
        const res = await signedFetch(doFetch, o.hopSecret, url, {
          method: 'GET',
          headers: { accept: 'application/json' },
          signal: AbortSignal.timeout(timeoutMs),
        })
        // 400: an identity Dime can never hold (longer than its limit) is as unknown as a 404.
        if (res.status === 404 || res.status === 400) return undefined
        if (res.ok) return (await res.json()) as Record<string, unknown>
        lastError = `${res.status} from ${region}`
        await res.body?.cancel()
        if (res.status < 500) break
      } catch (err) {
        lastError = `${region}: ${err instanceof Error ? err.message : String(err)}`
      }
      o.log.warn('Dime request failed', { path, region, error: lastError })
    }
    throw new DirectoryUnavailable(`Dime did not answer ${path}: ${lastError}`)
  }

  return {
    async digestSecret(impi) {
      const body = await getJson(`/private/${encodeURIComponent(impi)}`)
      if (!body || typeof body.digest_ha1 !== 'string') return undefined
      return {
        realm: typeof body.realm === 'string' ? body.realm : '',
        ha1Md5: body.digest_ha1.toLowerCase(),
        password: typeof body.plaintext_password === 'string' ? body.plaintext_password : undefined,
      }
    },
    async publicIds(impi) {
      const body = await getJson(`/private/${encodeURIComponent(impi)}/associated_public_ids`)
      const ids = body?.associated_public_ids ?? body?.public_ids
      return Array.isArray(ids) ? ids.filter((x): x is string => typeof x === 'string') : []
    },
  }
}
