/**
 * @module timers
 * Every SIP timer value in one place (RFC 3261 §17 and Table 4 of §A), plus the RFC 6026 timers,
 * the flow keep-alive values of RFC 5626 §4.4 and the registration refresh margin, and the `Clock`
 * type that code takes instead of reading the time itself. Values are milliseconds. Over reliable
 * transports (TCP, TLS, and WebSocket, which RFC 7118 §5 makes reliable) the absorb-retransmission
 * timers D, I, J and K are zero and the retransmit timers A, E and G are not used.
 */

/** Milliseconds since the epoch; injected so expiry logic is testable without real time. */
export type Clock = () => number

/** RTT estimate (RFC 3261 §17.1.1.1). */
export const T1 = 500
/** Maximum retransmit interval for non-INVITE requests and INVITE responses. */
export const T2 = 4000
/** Maximum duration a message remains in the network. */
export const T4 = 5000

/** INVITE request retransmit interval, unreliable transports only (initially T1, doubling). */
export const TIMER_A = T1
/** INVITE transaction timeout. */
export const TIMER_B = 64 * T1
/** Proxy INVITE transaction timeout: more than 3 minutes (RFC 3261 §16.6 step 11). */
export const TIMER_C = 3 * 60 * 1000 + 1000
/** Non-INVITE request retransmit interval, unreliable only (initially T1, doubling up to T2). */
export const TIMER_E = T1
/** Non-INVITE transaction timeout. */
export const TIMER_F = 64 * T1
/** INVITE response retransmit interval (initially T1, doubling up to T2). */
export const TIMER_G = T1
/** Wait time for ACK receipt. */
export const TIMER_H = 64 * T1
/** RFC 6026 §7.2: client INVITE transaction, Accepted state (absorbs 2xx retransmissions). */
export const TIMER_M = 64 * T1
/** RFC 6026 §7.1: server INVITE transaction, Accepted state (absorbs ACKs and request retransmits). */
export const TIMER_L = 64 * T1

export interface TransportTimers {
  /** Wait time for response retransmits (client INVITE, after a non-2xx final). */
  readonly D: number
  /** Wait time for ACK retransmits (server INVITE). */
  readonly I: number
  /** Wait time for non-INVITE request retransmits (server). */
  readonly J: number
  /** Wait time for response retransmits (client non-INVITE). */
  readonly K: number
}

/** Timers D, I, J, K for a transport (RFC 3261 §17.1.1.2, §17.2.1, §17.2.2, §17.1.2.2). */
export function transportTimers(reliable: boolean): TransportTimers {
  return reliable ? { D: 0, I: 0, J: 0, K: 0 } : { D: 32_000, I: T4, J: 64 * T1, K: T4 }
}

/** Transports for which the absorb timers are zero (RFC 7118 §5: WebSocket is reliable). */
export const isReliableTransport = (transport: string): boolean => {
  const t = transport.toUpperCase()
  return t === 'TCP' || t === 'TLS' || t === 'WS' || t === 'WSS' || t === 'SCTP'
}

/** RFC 5626 §4.4.1: keep-alive interval on connection-oriented flows without Flow-Timer. */
export const KEEPALIVE_INTERVAL_STREAM = 120_000
/** RFC 5626 §4.4.1: keep-alive interval on UDP flows (STUN). */
export const KEEPALIVE_INTERVAL_UDP = 24_000
/** RFC 5626 §4.4.1: send each keep-alive at a random 80–100 % of the interval. */
export const KEEPALIVE_JITTER_MIN = 0.8
/** RFC 5626 §4.4.1: a pong must arrive within 10 s or the flow is considered failed. */
export const KEEPALIVE_PONG_TIMEOUT = 10_000

/**
 * When a UA should refresh a registration granted for `expiresSeconds`: RFC 3261 §10.2.4 leaves it
 * open; this uses the common choice of halfway for short grants and 60 s before expiry otherwise.
 */
export function registrationRefreshDelay(expiresSeconds: number): number {
  const ms = expiresSeconds * 1000
  return ms <= 120_000 ? ms / 2 : ms - 60_000
}
