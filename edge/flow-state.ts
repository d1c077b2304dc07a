/**
 * @module edge/flow-state
 * What a flow remembers, kept in the WebSocket attachment so it survives hibernation
 * (Cloudflare: attachments stay with the socket while the object is evicted). It stays small:
 * the attachment limit is 2 KiB, so identities are capped (MAX_IDENTITIES) — the implicit
 * registration set of one subscriber, not a directory.
 */
import type { Region } from '../shared/config/regions'

export const MAX_IDENTITIES = 8
export const MAX_SERVICE_ROUTES = 4
/** REGISTER transactions a flow remembers while they await their final response. */
export const MAX_PENDING_REGISTERS = 4
/** Transactions a flow remembers as answered with a final response, to drop late provisionals. */
export const MAX_ANSWERED = 8

export interface FlowState {
  /** The flow token (object id + HMAC tag) naming this connection in Path/Record-Route/Via. */
  token: string
  home: Region
  /** Identities from the last REGISTER 200's P-Associated-URI (default identity first). */
  identities: string[]
  /** Until when (epoch ms) the identities are valid: registration expiry plus grace. */
  authUntil: number
  /** Service-Route from the last REGISTER 200, preloaded on initial requests. */
  serviceRoutes: string[]
  /** `+sip.instance` of the REGISTER that authenticated the flow (RFC 5626 flow recovery). */
  instance?: string
  /**
   * Branches of the edge's Via on the REGISTERs this flow forwarded and that have no final
   * response yet: only a 2xx carrying one of them teaches the flow anything (newest last).
   */
  pendingRegisters: string[]
  /**
   * Branches of the edge's Via on the flow's latest requests that a final response has reached
   * (newest last): a provisional response arriving after it is late and goes no further.
   */
  answered?: string[]
  /**
   * The client's INVITE 2xx responses whose first copy was relayed (hashes, newest last): their
   * retransmissions stay at the edge (edge/retransmitted-2xx.ts).
   */
  relayed2xx?: string[]
  /** Contact URIs of the flow's last REGISTER, to find its own binding in the 200. */
  registeredContacts: string[]
  /** The AoR registered over this flow, for the flow-closed notice. */
  aor?: string
  /** Token bucket: tokens left and when last refilled (epoch ms). */
  tokens: number
  refilledAt: number
}

export function newFlowState(token: string, home: Region, burst: number, now: number): FlowState {
  return {
    token,
    home,
    identities: [],
    authUntil: 0,
    serviceRoutes: [],
    registeredContacts: [],
    pendingRegisters: [],
    tokens: burst,
    refilledAt: now,
  }
}

export function isAuthenticated(s: FlowState, now: number): boolean {
  return s.identities.length > 0 && now < s.authUntil
}

/**
 * True once a REGISTER 2xx has authenticated the flow, even if that registration has since ended:
 * such a flow may still answer requests of dialogs that outlive it (a BYE, a final NOTIFY).
 */
export function hasRegistered(s: FlowState): boolean {
  return s.aor !== undefined
}

/** Takes one token from the flow's bucket; false means the message is over the rate limit. */
export function takeToken(s: FlowState, now: number, perSecond: number, burst: number): boolean {
  const refill = ((now - s.refilledAt) / 1000) * perSecond
  s.tokens = Math.min(burst, s.tokens + refill)
  s.refilledAt = now
  if (s.tokens < 1) return false
  s.tokens -= 1
  return true
}

/** Notes a REGISTER forwarded with the edge's Via branch `branch`. */
export function notePendingRegister(s: FlowState, branch: string): void {
  s.pendingRegisters ??= []
  s.pendingRegisters.push(branch)
  if (s.pendingRegisters.length > MAX_PENDING_REGISTERS) s.pendingRegisters.shift()
}

/** True (and forgotten) when `branch` is a REGISTER this flow forwarded and still awaits. */
export function takePendingRegister(s: FlowState, branch: string | null | undefined): boolean {
  const i = branch ? (s.pendingRegisters ?? []).indexOf(branch) : -1
  if (i < 0) return false
  s.pendingRegisters.splice(i, 1)
  return true
}

/** Notes that the request with the edge Via branch `branch` has had its final response. */
export function noteAnswered(s: FlowState, branch: string): void {
  s.answered ??= []
  if (s.answered.includes(branch)) return
  s.answered.push(branch)
  if (s.answered.length > MAX_ANSWERED) s.answered.shift()
}

/** True when `branch` names a request of this flow that has had its final response. */
export const wasAnswered = (s: FlowState, branch: string): boolean =>
  (s.answered ?? []).includes(branch)
