/**
 * @module sprout/routing/tx-actions
 * Carries out what an event obliged its appender to do (tx-state.ts): forward the chosen answer
 * upstream (or Sprout's own), CANCEL forks (RFC 3261 §16.10, §9.1), remove the binding of a failed
 * flow through the registrar's AoR store (RFC 5626 §5.3), start the CDIV no-reply timer, send
 * ACRs, and run S-CSCF processing again for a diversion or for the next application server of a
 * chain, which becomes the transaction's next generation. {@link appendAndAct} is the one way an
 * invocation adds an event to a transaction.
 */
import { parseMessage, type SipRequest, type SipResponse } from '../../../shared/sip'
import { charge } from '../charging/call-charging'
import { latestMemento, markDiverted } from '../memento/memento-call'
import { recordOutcome } from '../memento/memento-service'
import { sendGeneration, setRoutingTimer } from './forwarder'
import { Lookups } from './lookups'
import { applyDiversion, type PassContext, runPipeline } from './pipeline'
import type { RoutingDeps } from './routing-deps'
import { timerCId } from './routing-timers'
import { answerStored, cancelFor, relayStored } from './sip-ops'
import { odiToken } from './tx-keys'
import type { PipelineStep, TxEvent } from './tx-model'
import { foldRecord, forkState, type TxAction, type TxState } from './tx-state'

/**
 * Appends `event` to the transaction `key` and acts on it; undefined when there is no record.
 * `extendTtl`: the record's TTL starts again (tx-log.ts), for a Timer C reset.
 */
export async function appendAndAct(
  d: RoutingDeps,
  key: string,
  event: TxEvent,
  extendTtl = false
): Promise<TxState | undefined> {
  const w = await d.txLog.append(key, event, extendTtl)
  if (!w.written) return undefined
  const folded = foldRecord(w.events)
  if (!folded) return undefined
  await runActions(d, key, folded.state, folded.actions)
  return folded.state
}

/** A fork's hop failed: it is answered as the hop said. */
export const hopFailure =
  (d: RoutingDeps, key: string) =>
  async (g: number, i: number, status: number, text: string): Promise<void> => {
    await appendAndAct(d, key, { k: 'resp', g, i, status, text })
  }

export async function runActions(
  d: RoutingDeps,
  key: string,
  s: TxState,
  actions: readonly TxAction[]
): Promise<void> {
  for (const a of actions) {
    switch (a.kind) {
      case 'relay': {
        const f = forkState(s, a.g, a.i)
        if (!f?.text) break
        const challenges = a.challengesFrom
          .filter((c) => c.g !== a.g || c.i !== a.i)
          .map((c) => forkState(s, c.g, c.i)?.text)
          .filter((t): t is string => t !== undefined)
          .map((t) => parseMessage(t) as SipResponse)
        await d.sender.respond(relayStored(f.text, a.status, challenges))
        break
      }
      case 'respond':
        await d.sender.respond(answerStored(s.create.req, a.status, a.reason, s.create.toTag))
        break
      case 'cancel':
        for (const f of a.forks) {
          const cancel = cancelFor(s.create.req, f.fork)
          d.defer(() => d.sender.request(cancel))
        }
        break
      case 'remove-binding':
        d.defer(() => d.aors.removeBinding(a.binding.aor, a.binding.id, a.binding.cseq, false))
        break
      case 'no-reply-timer':
        await setRoutingTimer(d, a.seconds * 1000, { key, which: 'no-reply', g: a.g })
        break
      case 'timer-c':
        // RFC 3261 §16.7 step 2: a provisional response resets Timer C (forwarder.ts).
        await setRoutingTimer(d, Math.max(0, a.due - d.clock.now()), {
          key,
          which: 'timer-c',
          g: 0,
        })
        break
      case 'charge': {
        const m = s.create.method
        const c = s.create.charging
        const type = m === 'INVITE' ? (a.status < 300 ? 'START' : 'EVENT') : 'EVENT'
        // The transaction is complete: its Timer C goes (RFC 3261 §16.7 step 2). Sprout's own
        // START takes the timer's id over for the call's interim timer, or deletes it itself.
        const handedOver = type === 'START' && c !== undefined && d.routing.charging === 'on'
        if (m === 'INVITE' && !handedOver) d.defer(() => d.timers.delete(timerCId(key)))
        const memento = latestMemento(s.gens, c?.memento)
        if (memento) recordOutcome(d, s.create.req, memento, a.status)
        if (!c) break
        charge(d, {
          type,
          method: m,
          callId: (parseMessage(s.create.req) as SipRequest).callId,
          status: a.status,
          charging: c,
          ...(type === 'START' ? { sessionExpiresS: d.routing.sessionExpiresS, txKey: key } : {}),
        })
        break
      }
      case 'divert': {
        const req = parseMessage(a.arm.request) as SipRequest
        if (!applyDiversion(req, { target: a.target, ruleId: undefined, cause: a.cause })) {
          await appendAndAct(d, key, { k: 'local', status: 480, reason: 'Temporarily Unavailable' })
          break
        }
        markDiverted(s.create.charging?.memento, a.arm.servedUser)
        await continueTransaction(
          d,
          key,
          s,
          req,
          { phase: 'orig', chain: 'orig-cdiv', servedUser: a.arm.servedUser, ifc: 0 },
          [{ status: 181, reason: 'Call Is Being Forwarded' }]
        )
        break
      }
      case 'continue-chain': {
        const c = s.gens[a.g]?.asContinue
        if (!c) break
        await continueTransaction(d, key, s, parseMessage(c.request) as SipRequest, c.next, [])
        break
      }
    }
  }
}

/** Runs S-CSCF processing again inside an existing transaction; its result is the next generation. */
async function continueTransaction(
  d: RoutingDeps,
  key: string,
  s: TxState,
  req: SipRequest,
  step: PipelineStep,
  provisional: Array<{ status: number; reason: string }>
): Promise<void> {
  const g = s.gens.length
  const p: PassContext = {
    d,
    lookups: new Lookups(d),
    req,
    provisional: [...provisional],
    charging: s.create.charging ?? { calling: '', called: '' },
    odiToken: odiToken({ key, gen: g, fork: 0 }),
  }
  let outcome: Awaited<ReturnType<typeof runPipeline>>
  try {
    outcome = await runPipeline(p, step)
  } catch (err) {
    d.log.warn('continuing a transaction failed', { key, error: String(err) })
    outcome = { kind: 'reject', status: 500, reason: 'Server Internal Error' }
  }
  if (outcome.kind === 'reject') {
    for (const pr of p.provisional)
      await d.sender.respond(
        answerStored(s.create.req, pr.status, pr.reason, s.create.toTag, {
          contactHost: d.scscfHost,
        })
      )
    await appendAndAct(d, key, { k: 'local', status: outcome.status, reason: outcome.reason })
    return
  }
  // Memento's notes as this generation changed them go with it (memento-call.ts latestMemento).
  const memento = p.charging.memento
  await sendGeneration({
    d,
    key,
    g,
    plan: memento ? { ...outcome.plan, memento } : outcome.plan,
    provisional: p.provisional,
    upstream: s.create.req,
    toTag: s.create.toTag,
    ...(s.timerCDue !== undefined ? { timerCDue: s.timerCDue } : {}),
    onHopFailure: hopFailure(d, key),
  })
}
