/**
 * One on-net call between two registered sip.js phones on the local cloud, as the store-count
 * tests count it: INVITE/100/180/200/ACK/BYE/200, the callee answering at once (sip.js has
 * already sent its own 180), the caller hanging up.
 */
import { expect } from 'vitest'
import {
  established,
  type OutgoingCall,
  type Phone,
  terminated,
  until,
} from '../interop/calls-support'

/**
 * Places a call from `caller` to `calleeImpu` (registered on `callee`), answers it and ends it;
 * the caller's side of the ended call (its Call-ID, its dialog) is returned.
 */
export async function onNetCall(
  caller: Phone,
  callee: Phone,
  calleeImpu: string
): Promise<OutgoingCall> {
  const call = caller.call(calleeImpu)
  const inc = await until(() => callee.incoming.at(-1), 10_000, 'no INVITE at the callee')
  callee.incoming.length = 0
  await inc.answer()
  expect((await call.final).status).toBe(200)
  await established(call.inviter)
  await established(inc.invitation)
  await call.bye()
  await terminated(inc.invitation)
  await terminated(call.inviter)
  return call
}
