/**
 * @module ellis/turn-credentials
 * Short-lived TURN credentials in the shape of the TURN REST API
 * (draft-uberti-behave-turn-rest-00 §2.2): `username = "<expiry unix time>:<user id>"`,
 * `password = base64(HMAC-SHA1(shared secret, username))`, with the `ttl` and the TURN `uris`.
 * A TURN server that shares the secret (coturn `use-auth-secret` + `static-auth-secret`)
 * recomputes the password from the username and refuses it once the expiry has passed, so
 * Ellis keeps no state. The user id is opaque: an HMAC of the account's address under the
 * same secret, so the address never travels in STUN messages, yet one account always gets the
 * same id (the TURN server's logs and quotas can tell users apart).
 */

import type { IceConfig } from './ice-config'
import { toBase64Url } from './secrets'

const encoder = new TextEncoder()

/** One entry of `RTCConfiguration.iceServers` (W3C webrtc-pc §4.2.1 `RTCIceServer`). */
export interface IceServer {
  urls: string[]
  username?: string
  credential?: string
}

/** What `GET /api/ice-servers` answers. */
export interface IceServersAnswer {
  /** Ready for `new RTCPeerConnection({ iceServers })`: STUN first, then TURN. */
  iceServers: IceServer[]
  /** The TURN REST API fields (draft §2.2); absent when no TURN server is configured. */
  username?: string
  password?: string
  ttl?: number
  uris: string[]
}

async function hmac(hash: 'SHA-1' | 'SHA-256', secret: string, text: string): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey(
    'raw',
    encoder.encode(secret),
    { name: 'HMAC', hash },
    false,
    ['sign']
  )
  return new Uint8Array(await crypto.subtle.sign('HMAC', key, encoder.encode(text)))
}

/** Standard base64 with padding (RFC 4648 §4), as coturn compares it. */
export function toBase64(bytes: Uint8Array): string {
  let s = ''
  for (const b of bytes) s += String.fromCharCode(b)
  return btoa(s)
}

/** draft-uberti-behave-turn-rest-00 §2.2: the password of `username` under `secret`. */
export async function turnPassword(secret: string, username: string): Promise<string> {
  return toBase64(await hmac('SHA-1', secret, username))
}

/** The opaque, stable TURN user id of an account (no ':' — the draft's separator). */
export async function turnUserId(secret: string, email: string): Promise<string> {
  return toBase64Url((await hmac('SHA-256', secret, `turn-user:${email}`)).slice(0, 12))
}

/** The ICE servers for one logged-in account at `nowMs`. */
export async function iceServersFor(
  config: IceConfig,
  email: string,
  nowMs: number
): Promise<IceServersAnswer> {
  const servers: IceServer[] = config.stunUrls.length > 0 ? [{ urls: config.stunUrls }] : []
  if (config.turnUrls.length === 0 || !config.turnSecret) return { iceServers: servers, uris: [] }
  const expiry = Math.floor(nowMs / 1000) + config.turnTtlS
  const username = `${expiry}:${await turnUserId(config.turnSecret, email)}`
  const password = await turnPassword(config.turnSecret, username)
  servers.push({ urls: config.turnUrls, username, credential: password })
  return {
    iceServers: servers,
    username,
    password,
    ttl: config.turnTtlS,
    uris: config.turnUrls,
  }
}
