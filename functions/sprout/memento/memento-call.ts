/**
 * @module sprout/memento/memento-call
 * What the built-in Memento notes about a call while Sprout routes its INVITE (memento-service.ts):
 * when it started and, for each served user whose iFCs invoked Memento, that user's view of the
 * call. It travels with the transaction's charging information (routing/tx-model.ts), so the
 * invocation that sees the final answer writes the fragments.
 */
import type { CallParty } from '../../../shared/ims/call-list'

export interface MementoSide {
  /** The served user whose list the call goes into. */
  user: string
  /** Originating side (an outgoing call in that user's list). */
  outgoing: boolean
  from: CallParty
  to: CallParty
}

export interface MementoCall {
  /** When the INVITE reached Sprout, epoch ms (the clock's). */
  startMs: number
  sides: MementoSide[]
}
