/**
 * @module sprout/routing/tx-model
 * The shape of a proxy transaction record (architecture §3): an append-only list of events in the
 * regional KV, written by every invocation that takes part in the transaction — the one that
 * forwarded the request, the ones that carry its responses, a CANCEL, timer pops. Each event is
 * appended atomically and the appender reads back the whole list in the same round trip, so every
 * invocation folds the same prefix and exactly one of them acts on each event (tx-state.ts).
 *
 * A transaction forwards its request in generations: the first one (bindings, or an application
 * server), then possibly others when the built-in MMTEL diverts the call or an unresponsive
 * application server is skipped. Each generation lists its forks with what a CANCEL to them
 * needs, and what to do once it has a final answer (CDIV rules armed, or how to continue the AS
 * chain).
 */

import type { ChainCase } from '../../../shared/ims/as-chain'
import type { CdivService } from '../../../shared/ims/simservs-model'
import type { MementoCall } from '../memento/memento-call'

/** Where S-CSCF processing resumes (pipeline.ts). */
export type PipelineStep =
  | { phase: 'orig'; chain: 'orig' | 'orig-cdiv'; servedUser: string; ifc: number }
  | { phase: 'term'; servedUser: string; ifc: number }

export type DefaultHandlingName = 'SESSION_CONTINUED' | 'SESSION_TERMINATED'

export interface ForkInfo {
  /** Our Via value on the forked request (a CANCEL carries exactly this Via, RFC 3261 §9.1). */
  via: string
  /** Request-URI and Route values sent. */
  uri: string
  routes: string[]
  kind: 'ua' | 'as' | 'next'
  /** The binding a UE fork went to (a 430 removes it, RFC 5626 §5.3). */
  binding?: { aor: string; id: string; cseq: number }
  /** The application server a fork went to, and what its iFC says to do when it fails. */
  as?: { server: string; defaultHandling: DefaultHandlingName; chain: ChainCase }
}

/** CDIV armed by the served user's MMTEL for this generation's answer. */
export interface CdivArm {
  servedUser: string
  model: CdivService
  media: string[]
  caller?: string
  callerAnonymous: boolean
  /** The request as MMTEL passed it on (what a diversion re-sends, with a new target). */
  request: string
  /** No-reply timer, seconds, when a no-answer rule applies. */
  noReplyS?: number
  /** Diversions the call has already been through (Diversion entries). */
  diversions: number
}

/** How the chain continues past an application server that did not answer. */
export interface AsContinuation {
  /** The request as it was before it went to the AS. */
  request: string
  /** The step after the AS's iFC. */
  next: PipelineStep
}

export interface GenInfo {
  g: number
  forks: ForkInfo[]
  cdiv?: CdivArm
  asContinue?: AsContinuation
  /** The chain position a request returning from this generation's AS resumes at. */
  resume?: PipelineStep
  /** Memento's notes as this (later) generation left them (memento-call.ts `latestMemento`). */
  memento?: MementoCall
}

/** Charging roles this transaction performed (§5.11). */
export interface ChargingInfo {
  icid?: string
  origIoi?: string
  orig?: { user: string; ccfs: string[] }
  term?: { user: string; ccfs: string[] }
  called: string
  calling: string
  /** The users whose built-in Memento noted this call (memento/memento-service.ts). */
  memento?: MementoCall
}

export interface TxCreate {
  k: 'create'
  at: number
  method: string
  /** The request as received (Sprout's own Route entries removed). */
  req: string
  /** To tag of responses Sprout generates itself. */
  toTag: string
  charging?: ChargingInfo
  /** INVITE: when Timer C is armed to fire (ms), before any reset (forwarder.ts). */
  timerCDue?: number
  gen: GenInfo
}

export type TxEvent =
  | TxCreate
  | { k: 'gen'; gen: GenInfo }
  | {
      k: 'resp'
      g: number
      i: number
      status: number
      text?: string
      contact?: string
      /**
       * A provisional response other than 100 to an INVITE whose Timer C may need a reset
       * (RFC 3261 §16.7 step 2): Timer C must not fire before `need`; if it would, it is armed
       * again to fire at `due` (responses.ts).
       */
      timerC?: { need: number; due: number }
    }
  | { k: 'cancel' }
  | { k: 'timer'; which: 'liveness' | 'no-reply' | 'timer-c'; g: number; i?: number }
  | { k: 'as-back'; g: number; i: number }
  /** A final answer Sprout itself decided after the fact (a diversion or chain that failed). */
  | { k: 'local'; status: number; reason: string }
