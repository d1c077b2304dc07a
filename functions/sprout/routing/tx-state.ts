/**
 * @module sprout/routing/tx-state
 * The proxy transaction as a pure fold over its record's events (tx-model.ts), and what the last
 * event obliges the invocation that appended it to do. Because every invocation reads the list as
 * it stood right after its own append, folding all but the last event gives the state the last
 * event met, and only that invocation acts on it. The rules:
 *
 * - A 2xx to an INVITE is forwarded at once by whoever receives it (RFC 3261 §16.7 step 5); the
 *   first one completes the transaction, cancels every fork still pending (§16.10) and starts
 *   charging. Of a request of another method only the first final answer is forwarded (step 5),
 *   so its first 2xx is relayed by the fold like any chosen answer, and later ones are dropped.
 * - A 6xx cancels the other forks of its generation; the answer is still chosen when all are in.
 * - When every fork of the current generation has a final answer, the best one is chosen (§16.7
 *   step 6, shared/ims/fork-aggregate.ts). If the generation has CDIV armed, MMTEL may divert on it
 *   (a new generation follows); otherwise it is forwarded upstream.
 * - An application server that failed before becoming responsive (408 or 5xx, or its liveness
 *   timer) is skipped when its iFC says SESSION_CONTINUED, and answers 408 otherwise
 *   (clearwater-interfaces §5.6). Any response other than 100, or the request coming back with its
 *   ODI token, makes it responsive.
 * - CANCEL: every pending fork is cancelled and the INVITE answered 487 (§16.10); Timer C does the
 *   same with 408 (§16.8 step 11); the no-reply timer cancels the ringing forks and diverts.
 * - A 430 also removes the binding whose flow failed (RFC 5626 §5.3).
 * - Only an INVITE's forks are cancelled with a CANCEL (§9.1: never a request of another method,
 *   such as a MESSAGE forked to every binding). Forks of other methods are simply no longer
 *   waited for where an INVITE's would be cancelled, and their late answers change nothing.
 */
import { cancelsOtherForks, chooseBestResponse } from '../../../shared/ims/fork-aggregate'
import {
  type CdivContext,
  type CdivTarget,
  cdivOnNoReply,
  cdivOnResponse,
  type DiversionCause,
} from '../../../shared/ims/mmtel-cdiv'
import { diversionTarget, MAX_DIVERSIONS } from '../../../shared/ims/mmtel-diversion'
import type { CdivArm, ForkInfo, GenInfo, TxCreate, TxEvent } from './tx-model'

export interface ForkState {
  status?: number
  text?: string
  contact?: string
  /** Any response at all (a 100 too): stops the AS liveness timer. */
  answered: boolean
  /** A 1xx other than 100, or the request came back: the AS is alive. */
  responsive: boolean
  cancelled: boolean
}

export interface TxState {
  create: TxCreate
  gens: GenInfo[]
  forks: Map<string, ForkState>
  /** Gen indices whose remaining forks were abandoned (no-reply, skipped AS). */
  abandoned: Set<number>
  ringing: Set<number>
  noReplyStarted: Set<number>
  completed: boolean
  finalStatus?: number
  twoxx: boolean
  /** A diversion or chain continuation is being prepared (its generation is not in yet). */
  pendingGen: boolean
  diverted: Set<number>
  /** INVITE: when Timer C fires as last armed (ms); undefined when not known. */
  timerCDue?: number
}

export type TxAction =
  | {
      kind: 'relay'
      g: number
      i: number
      status: number
      challengesFrom: Array<{ g: number; i: number }>
    }
  | { kind: 'respond'; status: number; reason: string }
  | { kind: 'cancel'; forks: Array<{ g: number; i: number; fork: ForkInfo }> }
  | { kind: 'remove-binding'; binding: NonNullable<ForkInfo['binding']> }
  | { kind: 'no-reply-timer'; g: number; seconds: number }
  /** Timer C armed again, to fire at `due` (RFC 3261 §16.7 step 2). */
  | { kind: 'timer-c'; due: number }
  | { kind: 'divert'; g: number; arm: CdivArm; target: string; cause: DiversionCause }
  | { kind: 'continue-chain'; g: number }
  | { kind: 'charge'; status: number }

const fk = (g: number, i: number) => `${g}.${i}`

function cdivContext(s: TxState, arm: CdivArm): CdivContext {
  return {
    media: arm.media,
    caller: arm.caller,
    callerAnonymous: arm.callerAnonymous,
    now: s.create.at,
  }
}

/** A diversion MMTEL can make: a usable target, and the call not diverted too often already. */
function divertable(arm: CdivArm, d: CdivTarget | undefined): d is CdivTarget {
  return (
    d !== undefined && diversionTarget(d.target) !== undefined && arm.diversions < MAX_DIVERSIONS
  )
}

export function initialState(create: TxCreate): TxState {
  const s: TxState = {
    create,
    gens: [],
    forks: new Map(),
    abandoned: new Set(),
    ringing: new Set(),
    noReplyStarted: new Set(),
    completed: false,
    twoxx: false,
    pendingGen: false,
    diverted: new Set(),
    ...(create.timerCDue !== undefined ? { timerCDue: create.timerCDue } : {}),
  }
  addGen(s, create.gen)
  return s
}

function addGen(s: TxState, gen: GenInfo): void {
  s.gens[gen.g] = gen
  gen.forks.forEach((_, i) => {
    s.forks.set(fk(gen.g, i), { answered: false, responsive: false, cancelled: false })
  })
}

export const currentGen = (s: TxState): GenInfo => s.gens[s.gens.length - 1]!

function pendingForks(s: TxState, onlyGen?: number, except?: string) {
  const out: Array<{ g: number; i: number; fork: ForkInfo }> = []
  for (const gen of s.gens) {
    if (!gen || (onlyGen !== undefined && gen.g !== onlyGen)) continue
    gen.forks.forEach((fork, i) => {
      const f = s.forks.get(fk(gen.g, i))!
      if (f.status === undefined && !f.cancelled && fk(gen.g, i) !== except)
        out.push({ g: gen.g, i, fork })
    })
  }
  return out
}

/**
 * Stops waiting for the forks in `list` (a generation settles as if each had answered 487) and,
 * when the transaction is an INVITE's, CANCELs them (RFC 3261 §16.10). A fork of any other
 * method is never cancelled (§9.1: a CANCEL SHOULD NOT be sent for a request other than INVITE;
 * its UAS answers at once, so a CANCEL would only race that answer and reach a client that had
 * already taken the request): its late answer finds the transaction settled.
 */
function abandonForks(
  s: TxState,
  list: Array<{ g: number; i: number; fork: ForkInfo }>,
  actions: TxAction[]
): void {
  if (list.length === 0) return
  for (const x of list) s.forks.get(fk(x.g, x.i))!.cancelled = true
  if (s.create.method === 'INVITE') actions.push({ kind: 'cancel', forks: list })
}

function complete(s: TxState, status: number, actions: TxAction[], reason?: string): void {
  s.completed = true
  s.finalStatus = status
  abandonForks(s, pendingForks(s), actions)
  if (reason !== undefined) actions.push({ kind: 'respond', status, reason })
  actions.push({ kind: 'charge', status })
}

/** An application server fork that failed before it became responsive. */
function asFailed(f: ForkState, status: number | undefined): boolean {
  if (f.responsive) return false
  return status === undefined || status === 408 || (status >= 500 && status < 600)
}

function onAsFailure(s: TxState, g: number, i: number, actions: TxAction[]): boolean {
  const gen = s.gens[g]!
  const fork = gen.forks[i]!
  if (!fork.as) return false
  if (fork.as.defaultHandling === 'SESSION_TERMINATED' || !gen.asContinue) {
    complete(s, 408, actions, 'Request Timeout')
    return true
  }
  abandonForks(s, pendingForks(s, g), actions)
  s.abandoned.add(g)
  s.pendingGen = true
  actions.push({ kind: 'continue-chain', g })
  return true
}

/** All forks of the current generation answered: choose, maybe divert, else forward. */
function settleGen(s: TxState, actions: TxAction[]): void {
  const gen = currentGen(s)
  const states = gen.forks.map((_, i) => s.forks.get(fk(gen.g, i))!)
  if (states.some((f) => f.status === undefined && !f.cancelled)) return
  const finals = states.map((f) => f.status ?? 487)
  const best = chooseBestResponse(finals)
  const idx = best.index
  if (gen.cdiv && !s.diverted.has(gen.g) && idx !== undefined) {
    const st = states[idx]!
    const d = cdivOnResponse(gen.cdiv.model, finals[idx]!, {
      ringing: s.ringing.has(gen.g),
      ...(st.contact ? { contact: st.contact } : {}),
      ctx: cdivContext(s, gen.cdiv),
    })
    if (divertable(gen.cdiv, d)) {
      s.diverted.add(gen.g)
      s.pendingGen = true
      actions.push({ kind: 'divert', g: gen.g, arm: gen.cdiv, target: d.target, cause: d.cause })
      return
    }
  }
  if (idx === undefined || states[idx]!.text === undefined) {
    complete(
      s,
      best.status,
      actions,
      best.status === 408 ? 'Request Timeout' : 'Temporarily Unavailable'
    )
    return
  }
  s.completed = true
  s.finalStatus = best.status
  actions.push({
    kind: 'relay',
    g: gen.g,
    i: idx,
    status: best.status,
    challengesFrom: best.challengeSources.map((j) => ({ g: gen.g, i: j })),
  })
  actions.push({ kind: 'charge', status: best.status })
}

/** Applies one event; returns what the invocation that appended it must do. */
export function applyEvent(s: TxState, e: TxEvent): TxAction[] {
  const actions: TxAction[] = []
  switch (e.k) {
    case 'create':
      // A repeated request pushed its own `create` behind the first (tx-log.ts): nothing to do.
      return actions
    case 'gen':
      addGen(s, e.gen)
      s.pendingGen = false
      return actions
    case 'as-back': {
      const f = s.forks.get(fk(e.g, e.i))
      if (f) {
        f.responsive = true
        f.answered = true
      }
      return actions
    }
    case 'cancel':
      if (!s.completed) complete(s, 487, actions, 'Request Terminated')
      return actions
    case 'local':
      s.pendingGen = false
      if (!s.completed) complete(s, e.status, actions, e.reason)
      return actions
    case 'timer':
      return onTimer(s, e, actions)
    case 'resp':
      return onResponse(s, e, actions)
  }
}

function onTimer(s: TxState, e: Extract<TxEvent, { k: 'timer' }>, actions: TxAction[]): TxAction[] {
  if (s.completed) return actions
  if (e.which === 'timer-c') {
    complete(s, 408, actions, 'Request Timeout')
    return actions
  }
  const gen = s.gens[e.g]
  if (!gen || e.g !== s.gens.length - 1 || s.abandoned.has(e.g) || s.pendingGen) return actions
  if (e.which === 'liveness' && e.i !== undefined) {
    const f = s.forks.get(fk(e.g, e.i))
    if (f && !f.answered && f.status === undefined) onAsFailure(s, e.g, e.i, actions)
    return actions
  }
  if (e.which === 'no-reply' && gen.cdiv && !s.diverted.has(e.g)) {
    abandonForks(s, pendingForks(s, e.g), actions)
    s.abandoned.add(e.g)
    s.diverted.add(e.g)
    const d = cdivOnNoReply(gen.cdiv.model, cdivContext(s, gen.cdiv))
    if (divertable(gen.cdiv, d)) {
      s.pendingGen = true
      actions.push({ kind: 'divert', g: e.g, arm: gen.cdiv, target: d.target, cause: d.cause })
    } else complete(s, 480, actions, 'Temporarily Unavailable')
  }
  return actions
}

function onResponse(
  s: TxState,
  e: Extract<TxEvent, { k: 'resp' }>,
  actions: TxAction[]
): TxAction[] {
  const f = s.forks.get(fk(e.g, e.i))
  const gen = s.gens[e.g]
  if (!f || !gen) return actions
  f.answered = true
  if (e.status < 200) {
    if (e.status !== 100) f.responsive = true
    // RFC 3261 §16.7 step 2: a provisional response other than 100 resets Timer C; only when
    // the armed deadline comes before what the reset must reach (forwarder.ts has the margin).
    const tc = e.timerC
    if (tc && e.status !== 100 && !s.completed && (s.timerCDue ?? 0) < tc.need) {
      s.timerCDue = tc.due
      actions.push({ kind: 'timer-c', due: tc.due })
    }
    if (e.status === 180 && !s.ringing.has(e.g)) {
      s.ringing.add(e.g)
      const secs = gen.cdiv?.noReplyS
      if (secs && !s.completed && !s.noReplyStarted.has(e.g) && !s.diverted.has(e.g)) {
        s.noReplyStarted.add(e.g)
        actions.push({ kind: 'no-reply-timer', g: e.g, seconds: secs })
      }
    }
    return actions
  }
  if (f.status !== undefined) return actions // a retransmitted final
  f.status = e.status
  f.text = e.text
  f.contact = e.contact
  const fork = gen.forks[e.i]!
  if (e.status === 430 && fork.binding)
    actions.push({ kind: 'remove-binding', binding: fork.binding })
  if (e.status >= 200 && e.status < 300) {
    const invite = s.create.method === 'INVITE'
    // §16.7 step 5: every 2xx to an INVITE goes upstream (its receiver forwards it at once); of
    // any other request only the first final answer does, so this fold orders its relay.
    if (!s.twoxx && (invite || !s.completed)) {
      s.twoxx = true
      s.completed = true
      s.finalStatus = e.status
      abandonForks(s, pendingForks(s), actions)
      if (!invite)
        actions.push({ kind: 'relay', g: e.g, i: e.i, status: e.status, challengesFrom: [] })
      actions.push({ kind: 'charge', status: e.status })
    }
    return actions
  }
  if (s.completed || s.abandoned.has(e.g) || e.g !== s.gens.length - 1 || s.pendingGen)
    return actions
  if (fork.kind === 'as' && asFailed({ ...f, responsive: f.responsive }, e.status)) {
    if (onAsFailure(s, e.g, e.i, actions)) return actions
  }
  if (cancelsOtherForks(e.status)) {
    abandonForks(s, pendingForks(s, e.g, fk(e.g, e.i)), actions)
  }
  settleGen(s, actions)
  return actions
}

/** Folds a whole record; returns the state before the last event and that event's actions. */
export function foldRecord(
  events: readonly TxEvent[]
): { state: TxState; actions: TxAction[] } | undefined {
  const first = events[0]
  if (first?.k !== 'create') return undefined
  const state = initialState(first)
  let actions: TxAction[] = []
  for (let n = 1; n < events.length; n++) actions = applyEvent(state, events[n]!)
  return { state, actions }
}

/** The stored state of one fork. */
export const forkState = (s: TxState, g: number, i: number): ForkState | undefined =>
  s.forks.get(fk(g, i))
