/**
 * @module portal/ice-servers
 * The softphone's ICE servers (docs/media.md): Ellis's `GET /api/ice-servers` answers the STUN
 * and TURN servers the deployment configured, TURN with a credential that expires (TURN REST
 * API, draft-uberti-behave-turn-rest-00 §2.2). They are fetched when the phone registers and
 * fetched again before a call once half the credential's lifetime has passed, and every new
 * RTCPeerConnection gets the current list through {@link iceAwareFactory}.
 */
import { type SessionDescriptionHandlerFactory, Web } from 'sip.js'
import { apiJson } from './api'

interface IceServersAnswer {
  iceServers: RTCIceServer[]
  ttl?: number
}

let current: RTCIceServer[] = []
/** When the list should be fetched again (ms since the epoch); 0 = never fetched. */
let refreshAtMs = 0

/** The list every new RTCPeerConnection gets. */
export const iceServers = (): RTCIceServer[] => current

/**
 * Fetches the list when it was never fetched or half its credential's lifetime has passed.
 * A failure keeps the previous list (calls between browsers that reach each other still work).
 */
export async function refreshIceServers(nowMs = Date.now()): Promise<void> {
  if (refreshAtMs !== 0 && nowMs < refreshAtMs) return
  const a = await apiJson<IceServersAnswer>('GET', '/ice-servers')
  current = a.iceServers
  // Without TURN there is nothing to expire: look again in an hour.
  refreshAtMs = nowMs + (a.ttl !== undefined ? (a.ttl * 1000) / 2 : 3_600_000)
}

/** sip.js's WebRTC handler factory with the current ICE servers in each peer connection. */
export function iceAwareFactory(): SessionDescriptionHandlerFactory {
  const base = Web.defaultSessionDescriptionHandlerFactory()
  return (session, options?: Web.SessionDescriptionHandlerFactoryOptions) =>
    base(session, {
      ...options,
      peerConnectionConfiguration: {
        ...options?.peerConnectionConfiguration,
        iceServers: current,
      },
    })
}
