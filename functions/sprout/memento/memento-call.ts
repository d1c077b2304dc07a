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
  /**
   * The call was diverted away from this (terminating) user: it stays unanswered in that user's
   * list whatever the final answer (live test 85).
   */
  diverted?: true
}

export interface MementoCall {
  /** When the INVITE reached Sprout, epoch ms (the clock's). */
  startMs: number
  sides: MementoSide[]
}

/**
 * Notes that `user`'s terminating side was diverted elsewhere (call forwarding, TS 24.604): the
 * answer of the diverted-to party is not that user's (live test 85, clearwater-interfaces §10).
 */
export function markDiverted(call: MementoCall | undefined, user: string): void {
  for (const s of call?.sides ?? []) if (s.user === user && !s.outgoing) s.diverted = true
}

/** The Memento notes of a transaction: the latest generation's (a diversion's), else its own. */
export function latestMemento(
  gens: ReadonlyArray<{ memento?: MementoCall } | undefined>,
  own: MementoCall | undefined
): MementoCall | undefined {
  for (let g = gens.length - 1; g >= 0; g--) {
    const m = gens[g]?.memento
    if (m) return m
  }
  return own
}
