/**
 * @module flow-token
 * Flow tokens (RFC 5626 §5.2 "flow token"): the edge names each WebSocket flow by its Durable
 * Object id plus an HMAC tag under its own secret (`FLOW_TOKEN_SECRET`), so a token seen by a client (in Path,
 * Record-Route, Via) cannot be forged to reach someone else's connection. Format:
 * `<64 hex object id>.<24 hex tag>`: only unreserved characters, safe in a SIP URI user part.
 * Tokens are minted under the current secret and opened under it or the previous one, so the
 * secret can be rotated without dropping live flows.
 */
import { hmacSha256Key } from './hmac-key'

const encoder = new TextEncoder()
/** The key is derived for this use only (`flow-token:` prefix), so it signs nothing else. */
const key = (secret: string): Promise<CryptoKey> => hmacSha256Key(`flow-token:${secret}`)

/**
 * MACs already computed in this isolate, by key and text (least recently used leaving first):
 * a flow's token is opened on every delivery, and the Via branch and dialog token a flow hands
 * out are checked again when its client answers or the dialog goes on. A deterministic function
 * remembered: a forged tag still has to equal the MAC of its own text.
 */
export const MAC_MEMO_LIMIT = 4_096
const macMemo = new Map<string, string>()

/** The first 12 bytes, in hex, of HMAC-SHA-256 under `secret` of `text`. */
async function mac24(secret: string, text: string): Promise<string> {
  const memoKey = `${secret}\u0000${text}`
  const hit = macMemo.get(memoKey)
  if (hit !== undefined) {
    macMemo.delete(memoKey)
    macMemo.set(memoKey, hit)
    return hit
  }
  const out = hex24(
    new Uint8Array(await crypto.subtle.sign('HMAC', await key(secret), encoder.encode(text)))
  )
  if (macMemo.size >= MAC_MEMO_LIMIT) macMemo.delete(macMemo.keys().next().value as string)
  macMemo.set(memoKey, out)
  return out
}

const tag = (secret: string, objectId: string): Promise<string> => mac24(secret, objectId)

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'))

function hex24(mac: Uint8Array): string {
  let hex = ''
  for (let i = 0; i < 12; i++) hex += HEX[mac[i]!]
  return hex
}

const OBJECT_ID = /^[0-9a-f]{64}$/

/** A secret, or the current secret and the one being rotated out. */
export type FlowTokenKeys = string | { secret: string; previous?: string | undefined }

const current = (k: FlowTokenKeys) => (typeof k === 'string' ? k : k.secret)

export async function mintFlowToken(keys: FlowTokenKeys, objectId: string): Promise<string> {
  if (!OBJECT_ID.test(objectId)) throw new Error('a flow token needs a 64-hex Durable Object id')
  return `${objectId}.${await tag(current(keys), objectId)}`
}

/** Returns the object id of a genuine token, or undefined for a malformed or forged one. */
export async function openFlowToken(
  keys: FlowTokenKeys,
  token: string
): Promise<string | undefined> {
  if (typeof keys !== 'string' && keys.previous)
    return (await openFlowToken(keys.secret, token)) ?? (await openFlowToken(keys.previous, token))
  const secret = current(keys)
  token = baseFlowToken(token)
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

/*
 * Dialog-scoped tokens (docs/internal-hop.md, "Flow tokens and their scope"). A flow's plain token
 * (Path, the edge's Via) lets the core reach the flow with initial requests it routed, and with
 * responses. The edge's Record-Route carries the token with a scope instead:
 *
 *   `<plain token>.<expiry, epoch seconds in base 36>.<24 hex HMAC of (plain token, expiry, Call-ID)>`
 *
 * so an in-dialog request reaches a flow only inside the dialog whose dialog-creating request the
 * edge record-routed, and only until the expiry. Same key as the tags (`FLOW_TOKEN_SECRET`, and
 * its previous value during a rotation); each use is prefixed with its purpose, so a MAC made for
 * one use never verifies for another.
 */
const PLAIN_LENGTH = 64 + 1 + 24
const SCOPE = /^\.([0-9a-z]{1,10})\.([0-9a-f]{24})$/

/** The plain flow token inside a token that may carry a dialog scope (unchanged otherwise). */
export function baseFlowToken(token: string): string {
  return token.length > PLAIN_LENGTH && SCOPE.test(token.slice(PLAIN_LENGTH))
    ? token.slice(0, PLAIN_LENGTH)
    : token
}

/** True when two tokens name the same flow (either may carry a scope). */
export const sameFlow = (a: string, b: string): boolean => baseFlowToken(a) === baseFlowToken(b)

function purposeMac(secret: string, purpose: string, parts: string[]): Promise<string> {
  return mac24(secret, `${purpose}|${parts.join('|')}`)
}

const secretsOf = (k: FlowTokenKeys): string[] =>
  typeof k === 'string' ? [k] : [k.secret, ...(k.previous ? [k.previous] : [])]

function equal24(a: string, b: string): boolean {
  if (a.length !== 24 || b.length !== 24) return false
  let diff = 0
  for (let i = 0; i < 24; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i)
  return diff === 0
}

/** A token for `flowToken` valid only for the dialog `callId`, until `expiresAtMs`. */
export async function mintDialogToken(
  keys: FlowTokenKeys,
  flowToken: string,
  callId: string,
  expiresAtMs: number
): Promise<string> {
  const plain = baseFlowToken(flowToken)
  const exp = Math.ceil(expiresAtMs / 1000).toString(36)
  return `${plain}.${exp}.${await purposeMac(current(keys), 'dialog', [plain, exp, callId])}`
}

export type DialogTokenCheck =
  | 'ok'
  /** A plain token: no dialog scope at all. */
  | 'unscoped'
  /** Scoped for another dialog, or not made with our key. */
  | 'wrong-dialog'
  | 'expired'

/** Whether `token` lets an in-dialog request with `callId` reach its flow at `nowMs`. */
export async function checkDialogToken(
  keys: FlowTokenKeys,
  token: string,
  callId: string,
  nowMs: number
): Promise<DialogTokenCheck> {
  const m = token.length > PLAIN_LENGTH ? SCOPE.exec(token.slice(PLAIN_LENGTH)) : null
  if (!m) return 'unscoped'
  const [, exp, mac] = m as unknown as [string, string, string]
  const plain = token.slice(0, PLAIN_LENGTH)
  let genuine = false
  for (const secret of secretsOf(keys))
    if (equal24(await purposeMac(secret, 'dialog', [plain, exp, callId]), mac)) genuine = true
  if (!genuine) return 'wrong-dialog'
  return Number.parseInt(exp, 36) * 1000 > nowMs ? 'ok' : 'expired'
}

/**
 * The Via branch the edge puts on a request it hands its client (RFC 3261 §16.6 item 8): a MAC of
 * the flow and the Via below it. It depends only on that Via (so a CANCEL or a non-2xx ACK from
 * the core gets the branch of the INVITE it belongs to, §9.2, §17.2.3), and a client cannot make
 * one up, so a response from the client proves which request and which next hop it answers.
 */
export async function clientBranch(
  keys: FlowTokenKeys,
  flowToken: string,
  below: { host: string; branch: string; flow: string }
): Promise<string> {
  const plain = baseFlowToken(flowToken)
  return `z9hG4bK${await purposeMac(current(keys), 'via', [plain, below.host.toLowerCase(), below.branch, below.flow])}`
}

/** True when `branch` is the one {@link clientBranch} gives (under the current or previous key). */
export async function isClientBranch(
  keys: FlowTokenKeys,
  flowToken: string,
  below: { host: string; branch: string; flow: string },
  branch: string
): Promise<boolean> {
  if (!branch.startsWith('z9hG4bK')) return false
  const plain = baseFlowToken(flowToken)
  for (const secret of secretsOf(keys)) {
    const mac = await purposeMac(secret, 'via', [
      plain,
      below.host.toLowerCase(),
      below.branch,
      below.flow,
    ])
    if (equal24(mac, branch.slice(7))) return true
  }
  return false
}
