/**
 * @module serialize
 * Writing messages out. Text for WebSocket frames (RFC 7118) and bytes for streams and datagrams:
 * UTF-8, or one octet per char for messages that arrived as non-UTF-8 octets (`binary`), so such a
 * message is re-sent exactly as received. Untouched header lines are copied byte-for-byte (see
 * `SipMessageBase.toString`).
 */
import type { SipMessageBase } from './message-base'
import { encodeLatin1, encodeUtf8 } from './utf8'

/** The message as text; an unmodified parsed message returns its exact input. */
export const serializeMessage = (m: SipMessageBase): string => m.toString()

/** The message as octets for a stream or datagram transport. */
export function serializeMessageBytes(m: SipMessageBase): Uint8Array {
  const text = m.toString()
  return m.binary ? encodeLatin1(text) : encodeUtf8(text)
}
