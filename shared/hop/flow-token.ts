/**
 * @module flow-token
 * Flow tokens (RFC 5626 §5.2 "flow token"): the edge names each WebSocket flow by its Durable
 * Object id plus an HMAC tag under the deployment secret, so a token seen by a client (in Path,
 * Record-Route, Via) cannot be forged to reach someone else's connection. Format:
 * `<64 hex object id>.<24 hex tag>`: only unreserved characters, safe in a SIP URI user part.
 */
const encoder = new TextEncoder()
const keys = new Map<string, Promise<CryptoKey>>()

function key(secret: string): Promise<CryptoKey> {
  let k = keys.get(secret)
  if (!k) {
    k = crypto.subtle.importKey(
      'raw',
      encoder.encode(`flow-token:${secret}`),
      { name: 'HMAC', hash: 'SHA-256' },
      false,
      ['sign']
    )
    keys.set(secret, k)
  }
  return k
}

async function tag(secret: string, objectId: string): Promise<string> {
  const mac = new Uint8Array(
    await crypto.subtle.sign('HMAC', await key(secret), encoder.encode(objectId))
  )
  let hex = ''
  for (let i = 0; i < 12; i++) hex += mac[i]!.toString(16).padStart(2, '0')
  return hex
}

const OBJECT_ID = /^[0-9a-f]{64}$/

export async function mintFlowToken(secret: string, objectId: string): Promise<string> {
  if (!OBJECT_ID.test(objectId)) throw new Error('a flow token needs a 64-hex Durable Object id')
  return `${objectId}.${await tag(secret, objectId)}`
}

/** Returns the object id of a genuine token, or undefined for a malformed or forged one. */
export async function openFlowToken(secret: string, token: string): Promise<string | undefined> {
  const dot = token.indexOf('.')
  if (dot !== 64) return undefined
  const id = token.slice(0, 64)
  const t = token.slice(65)
  if (!OBJECT_ID.test(id) || t.length !== 24) return undefined
  const expected = await tag(secret, id)
  let diff = 0
  for (let i = 0; i < 24; i++) diff |= expected.charCodeAt(i) ^ t.charCodeAt(i)
  return diff === 0 ? id : undefined
}
