/**
 * @module sprout/memento/dialog-token
 * The Memento dialog token: what the BYE needs to write the END fragments, carried in the `mem`
 * parameter of Sprout's Record-Route (Clearwater's application servers keep their dialog state in
 * their Record-Route the same way). It holds the call's start time and the users whose lists
 * hold it, sealed with an HMAC under a key of its own, so a client cannot make Sprout write into
 * another user's list by editing its Route set:
 * `mem=<base64url(JSON [startMs, [user…]])>.<base64url(HMAC-SHA-256 truncated to 12 bytes)>`.
 */
import { fromBase64Url, toBase64Url } from '../../../shared/hop/base64url'
import { hmacSha256 } from '../../../shared/hop/hmac-key'
import { constantTimeEqual } from '../../../shared/sip/digest'

export const MEMENTO_ROUTE_PARAM = 'mem'
const MAC_BYTES = 12
const encoder = new TextEncoder()

async function mac(secret: string, payload: string): Promise<string> {
  const sig = await hmacSha256(`edgewater-memento-dialog:${secret}`, payload)
  return toBase64Url(sig.slice(0, MAC_BYTES))
}

export interface DialogToken {
  startMs: number
  users: string[]
}

export async function sealDialogToken(secret: string, t: DialogToken): Promise<string> {
  const payload = toBase64Url(encoder.encode(JSON.stringify([t.startMs, t.users])))
  return `${payload}.${await mac(secret, payload)}`
}

/** The token's contents; undefined when it is malformed or its MAC is wrong. */
export async function openDialogToken(
  secret: string,
  token: string
): Promise<DialogToken | undefined> {
  const [payload, m, extra] = token.split('.')
  if (!payload || !m || extra !== undefined) return undefined
  if (!constantTimeEqual(await mac(secret, payload), m)) return undefined
  const bytes = fromBase64Url(payload)
  if (!bytes) return undefined
  try {
    const v = JSON.parse(new TextDecoder().decode(bytes)) as unknown
    if (!Array.isArray(v) || typeof v[0] !== 'number' || !Array.isArray(v[1])) return undefined
    const users = (v[1] as unknown[]).filter((u): u is string => typeof u === 'string')
    return { startMs: v[0], users }
  } catch {
    return undefined
  }
}
