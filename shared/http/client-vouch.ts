/**
 * @module http/client-vouch
 * The edge's word for the client address of a request it relays without making it a
 * trusted-zone request: XCAP (Ut) and Memento's call lists reach Homer as the client's own
 * requests (Homer asks for HTTP Digest or the API key), yet Homer counts wrong keys against the
 * client's address, which only the edge knows (`cf-connecting-ip`).
 *
 * The edge adds `x-edgewater-client-ip` and a hop signature of the whole request (method, the
 * target function's origin, path and query, a timestamp, a nonce, the client address, the body;
 * shared/hop/signature.ts) under a key of its own (the hop secret under the label
 * {@link VOUCH_LABEL}), in headers of their own (`x-edgewater-vouch-*`). So a vouch is never a
 * hop signature: it grants no trust, and a function that does not read it (or a request that
 * lacks it) treats the request exactly as an unvouched one. Within the hop's window and replay
 * memory a vouch binds one address to one request.
 */
import {
  type HopKeys,
  NONCE_HEADER,
  SIGNATURE_HEADER,
  signRequest,
  TARGET_HEADER,
  TIMESTAMP_HEADER,
  verifySignature,
} from '../hop/signature'

export const CLIENT_IP_HEADER = 'x-edgewater-client-ip'
/** The label that keeps a vouch's key apart from the hop key itself. */
export const VOUCH_LABEL = 'edgewater-client-vouch'

/** Hop signature header → the vouch's own header. */
const RENAMED: ReadonlyArray<readonly [string, string]> = [
  [SIGNATURE_HEADER, 'x-edgewater-vouch-signature'],
  [TIMESTAMP_HEADER, 'x-edgewater-vouch-timestamp'],
  [NONCE_HEADER, 'x-edgewater-vouch-nonce'],
  [TARGET_HEADER, 'x-edgewater-vouch-target'],
]

const vouchSecret = (secret: string) => `${VOUCH_LABEL}:${secret}`

/** The vouch keys of a receiver, from its hop keys (same targets, rotation and replay memory). */
export function vouchKeys(hop: HopKeys): HopKeys {
  return {
    ...hop,
    secret: vouchSecret(hop.secret),
    previous: hop.previous === undefined ? undefined : vouchSecret(hop.previous),
  }
}

/** Headers that vouch for `clientIp` on a request to `url` (absolute), signed with `hopSecret`. */
export async function vouchHeaders(
  hopSecret: string,
  method: string,
  url: string,
  body: Uint8Array<ArrayBuffer> | ArrayBuffer | undefined,
  clientIp: string
): Promise<Record<string, string>> {
  const vouched = { [CLIENT_IP_HEADER]: clientIp }
  const sig = await signRequest(vouchSecret(hopSecret), method, url, body ?? null, {
    headers: vouched,
  })
  const out: Record<string, string> = { ...vouched }
  for (const [from, to] of RENAMED) out[to] = sig[from]!
  return out
}

/**
 * The client address the edge vouches for on this request, or undefined (no vouch, or one that
 * does not verify: forged, stale, replayed, for another target or another request).
 */
export async function vouchedClient(
  keys: HopKeys,
  method: string,
  url: string,
  headers: Headers,
  body: Uint8Array | ArrayBuffer
): Promise<string | undefined> {
  const signature = headers.get(RENAMED[0]![1])
  const address = headers.get(CLIENT_IP_HEADER)?.trim()
  if (!signature || !address) return undefined
  // The signature check reads its own header names: a copy carries the vouch under them.
  const copy = new Headers({ [CLIENT_IP_HEADER]: address })
  for (const [hopName, vouchName] of RENAMED) {
    const v = headers.get(vouchName)
    if (v !== null) copy.set(hopName, v)
  }
  const v = await verifySignature(vouchKeys(keys), method, url, copy, body)
  return v.ok ? address : undefined
}
