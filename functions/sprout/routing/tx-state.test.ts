import { describe, expect, it } from 'vitest'
import { parseSimservs } from '../../../shared/ims/simservs'
import type { CdivArm, ForkInfo, GenInfo, TxCreate, TxEvent } from './tx-model'
import { applyEvent, foldRecord, initialState, type TxAction } from './tx-state'

const ua = (n: number, extra: Partial<ForkInfo> = {}): ForkInfo => ({
  via: `SIP/2.0/HTTP sprout.a.edgewater.internal;branch=z9hG4bKR${'0'.repeat(24)}.0.${n}`,
  uri: `sip:ua${n}@client.invalid`,
  routes: [`<sip:flow${n}@edge.edgewater.internal;lr>`],
  kind: 'ua',
  binding: { aor: 'sip:b@x', id: `b${n}`, cseq: 1 },
  ...extra,
})
const gen = (g: number, forks: ForkInfo[], more: Partial<GenInfo> = {}): GenInfo => ({
  g,
  forks,
  ...more,
})
const create = (g0: GenInfo): TxCreate => ({
  k: 'create',
  at: 0,
  method: 'INVITE',
  req: 'INVITE …',
  toTag: 't',
  gen: g0,
})

function run(events: TxEvent[]): TxAction[][] {
  const s = initialState(events[0] as TxCreate)
  return events.slice(1).map((e) => applyEvent(s, e))
}
const resp = (
  g: number,
  i: number,
  status: number,
  extra: Partial<Extract<TxEvent, { k: 'resp' }>> = {}
): TxEvent => ({
  k: 'resp',
  g,
  i,
  status,
  ...(status >= 300 ? { text: `SIP/2.0 ${status} X` } : {}),
  ...extra,
})
const kinds = (a: TxAction[]) => a.map((x) => x.kind)

function cdivArm(rules: string, timer = '<NoReplyTimer>20</NoReplyTimer>'): CdivArm {
  const r = parseSimservs(
    `<simservs xmlns="http://uri.etsi.org/ngn/params/xml/simservs/xcap" xmlns:cp="urn:ietf:params:xml:ns:common-policy"><communication-diversion active="true">${timer}<cp:ruleset>${rules}</cp:ruleset></communication-diversion></simservs>`
  )
  if (!r.ok) throw new Error(r.error.reason)
  return {
    servedUser: 'sip:b@x',
    model: r.value.cdiv!,
    media: ['audio'],
    callerAnonymous: false,
    request: 'INVITE …',
    diversions: 0,
    noReplyS: 20,
  }
}
const rule = (cond: string, target: string) =>
  `<cp:rule id="r${Math.random()}"><cp:conditions>${cond}</cp:conditions><cp:actions><forward-to><target>${target}</target></forward-to></cp:actions></cp:rule>`

describe('proxy transaction fold (RFC 3261 §16.7, §16.10)', () => {
  it('forwards the best final once every fork answered', () => {
    const a = run([create(gen(0, [ua(0), ua(1)])), resp(0, 0, 480), resp(0, 1, 486)])
    expect(a[0]).toEqual([])
    // Equally good answers: the earliest wins.
    expect(a[1]).toContainEqual(expect.objectContaining({ kind: 'relay', i: 0, status: 480 }))
  })

  it('completes on the first 2xx and cancels the pending forks', () => {
    const a = run([
      create(gen(0, [ua(0), ua(1), ua(2)])),
      resp(0, 2, 486),
      resp(0, 0, 200),
      resp(0, 1, 200),
    ])
    const cancel = a[1]!.find((x) => x.kind === 'cancel')
    expect(cancel && cancel.kind === 'cancel' && cancel.forks.map((f) => f.i)).toEqual([1])
    expect(kinds(a[1]!)).toContain('charge')
    // A second 2xx is forwarded by its receiver but changes nothing here.
    expect(a[2]).toEqual([])
  })

  it('cancels the other forks on a 6xx and forwards it without waiting for their 487s', () => {
    const a = run([create(gen(0, [ua(0), ua(1)])), resp(0, 0, 603), resp(0, 1, 487)])
    expect(kinds(a[0]!)).toEqual(['cancel', 'relay', 'charge'])
    expect(a[0]).toContainEqual(expect.objectContaining({ kind: 'relay', i: 0, status: 603 }))
    expect(a[1]).toEqual([])
  })

  it('answers CANCEL with 487 and cancels every pending fork', () => {
    const a = run([
      create(gen(0, [ua(0), ua(1)])),
      resp(0, 0, 180),
      { k: 'cancel' },
      resp(0, 0, 487),
      resp(0, 1, 487),
    ])
    expect(kinds(a[1]!)).toEqual(['cancel', 'respond', 'charge'])
    expect(a[1]).toContainEqual({ kind: 'respond', status: 487, reason: 'Request Terminated' })
    expect(a[2]).toEqual([])
    expect(a[3]).toEqual([])
  })

  it('removes the binding of a failed flow and answers 480', () => {
    const a = run([create(gen(0, [ua(0)])), resp(0, 0, 430)])
    expect(a[0]).toContainEqual({
      kind: 'remove-binding',
      binding: { aor: 'sip:b@x', id: 'b0', cseq: 1 },
    })
    expect(a[0]).toContainEqual(expect.objectContaining({ kind: 'relay', status: 480 }))
  })

  it('merges 401/407 challenges', () => {
    const a = run([create(gen(0, [ua(0), ua(1)])), resp(0, 0, 407), resp(0, 1, 401)])
    expect(a[1]).toContainEqual(
      expect.objectContaining({
        kind: 'relay',
        status: 407,
        challengesFrom: [
          { g: 0, i: 0 },
          { g: 0, i: 1 },
        ],
      })
    )
  })

  it('answers 408 on Timer C', () => {
    const a = run([create(gen(0, [ua(0)])), { k: 'timer', which: 'timer-c', g: 0 }])
    expect(a[0]).toContainEqual({ kind: 'respond', status: 408, reason: 'Request Timeout' })
  })
})

describe('Timer C reset by provisional responses (RFC 3261 §16.7 step 2)', () => {
  const armed = { ...create(gen(0, [ua(0), ua(1)])), timerCDue: 241_000 }
  const tc = (need: number, due: number) => ({ timerC: { need, due } })

  it('re-arms Timer C only when its deadline comes before what the response needs', () => {
    const a = run([
      armed,
      // At 60 s: Timer C (241 s) is still 181 s away; nothing to do.
      resp(0, 0, 180, tc(241_000, 301_000)),
      // At 120 s: it would fire 121 s later, under TIMER_C_MS: reset to 120 + 241 s.
      resp(0, 0, 180, tc(301_000, 361_000)),
      // At 150 s, from the other fork: the reset's deadline is still far enough.
      resp(0, 1, 183, tc(331_000, 391_000)),
    ])
    expect(a).toEqual([[], [{ kind: 'timer-c', due: 361_000 }], []])
    const folded = foldRecord([
      armed,
      resp(0, 0, 180, tc(301_000, 361_000)),
      resp(0, 1, 183, tc(331_000, 391_000)),
    ])
    expect(folded?.state.timerCDue).toBe(361_000)
    expect(folded?.actions).toEqual([])
  })

  it('never after the transaction completed (the interim timer has Timer C’s id by then)', () => {
    const a = run([armed, resp(0, 0, 200), resp(0, 1, 180, tc(400_000, 460_000))])
    expect(a[1]).toEqual([])
  })

  it('not for a 100, nor without the note; a record without a known deadline is reset', () => {
    const a = run([armed, resp(0, 0, 100, tc(400_000, 460_000)), resp(0, 0, 180)])
    expect(a).toEqual([[], []])
    const old = run([create(gen(0, [ua(0)])), resp(0, 0, 180, tc(181_000, 241_000))])
    expect(old[0]).toEqual([{ kind: 'timer-c', due: 241_000 }])
  })
})

describe('CDIV on the transaction (TS 24.604)', () => {
  it('diverts a busy callee and completes on the new generation', () => {
    const g0 = gen(0, [ua(0)], { cdiv: cdivArm(rule('<busy/>', 'sip:c@x')) })
    const a = run([
      create(g0),
      resp(0, 0, 486),
      { k: 'gen', gen: gen(1, [ua(5)]) },
      resp(1, 0, 180),
      resp(1, 0, 200),
    ])
    expect(a[0]).toContainEqual(
      expect.objectContaining({
        kind: 'divert',
        target: 'sip:c@x',
        cause: { reason: 'user-busy', cause: 486 },
      })
    )
    expect(kinds(a[3]!)).toEqual(['charge'])
  })

  it('relays the failure when the target is unusable (Bad target URI: 480)', () => {
    const g0 = gen(0, [ua(0)], { cdiv: cdivArm(rule('<not-registered/>', '12345')) })
    const a = run([create(g0), resp(0, 0, 480)])
    expect(a[0]).toContainEqual(expect.objectContaining({ kind: 'relay', status: 480 }))
  })

  it('starts the no-reply timer at the first 180 and diverts when it fires', () => {
    const g0 = gen(0, [ua(0), ua(1)], { cdiv: cdivArm(rule('<no-answer/>', 'sip:voicemail@x')) })
    const a = run([
      create(g0),
      resp(0, 0, 180),
      resp(0, 1, 180),
      { k: 'timer', which: 'no-reply', g: 0 },
      resp(0, 0, 487),
    ])
    expect(a[0]).toEqual([{ kind: 'no-reply-timer', g: 0, seconds: 20 }])
    expect(a[1]).toEqual([])
    expect(kinds(a[2]!)).toEqual(['cancel', 'divert'])
    // The cancelled forks' 487s do not reach the caller.
    expect(a[3]).toEqual([])
  })

  it('diverts a 408 after ringing as no-answer', () => {
    const g0 = gen(0, [ua(0)], { cdiv: cdivArm(rule('<no-answer/>', 'sip:c@x')) })
    const a = run([create(g0), resp(0, 0, 180), resp(0, 0, 408)])
    expect(a[1]).toContainEqual(
      expect.objectContaining({ kind: 'divert', cause: { reason: 'no-answer', cause: 408 } })
    )
  })
})

describe('application server failure (clearwater-interfaces §5.6)', () => {
  const asFork = (dh: 'SESSION_CONTINUED' | 'SESSION_TERMINATED'): ForkInfo => ({
    ...ua(0),
    kind: 'as',
    as: { server: 'sip:x.as.edgewater.internal', defaultHandling: dh, chain: 'orig' },
  })
  const cont = {
    request: 'INVITE …',
    next: { phase: 'orig' as const, chain: 'orig' as const, servedUser: 'sip:a@x', ifc: 1 },
  }

  it('skips a silent SESSION_CONTINUED server when its liveness timer fires', () => {
    const a = run([
      create(gen(0, [asFork('SESSION_CONTINUED')], { asContinue: cont })),
      { k: 'timer', which: 'liveness', g: 0, i: 0 },
    ])
    expect(kinds(a[0]!)).toEqual(['cancel', 'continue-chain'])
  })

  it('answers 408 for a failed SESSION_TERMINATED server', () => {
    const a = run([
      create(gen(0, [asFork('SESSION_TERMINATED')], { asContinue: cont })),
      resp(0, 0, 503),
    ])
    expect(a[0]).toContainEqual({ kind: 'respond', status: 408, reason: 'Request Timeout' })
  })

  it('keeps a server that answered 100, and relays its final once it is responsive', () => {
    const a = run([
      create(gen(0, [asFork('SESSION_CONTINUED')], { asContinue: cont })),
      resp(0, 0, 100),
      { k: 'timer', which: 'liveness', g: 0, i: 0 },
      { k: 'as-back', g: 0, i: 0 },
      resp(0, 0, 404),
    ])
    expect(a[1]).toEqual([])
    expect(a[3]).toContainEqual(expect.objectContaining({ kind: 'relay', status: 404 }))
  })

  it('folds a whole record to the state before its last event', () => {
    const out = foldRecord([create(gen(0, [ua(0)])), resp(0, 0, 486)])
    expect(out?.actions).toContainEqual(expect.objectContaining({ kind: 'relay', status: 486 }))
    expect(out?.state.completed).toBe(true)
  })
})

describe('forks of a request other than INVITE are never cancelled (RFC 3261 §9.1)', () => {
  const createFor = (method: string, g0: GenInfo): TxCreate => ({
    ...create(g0),
    method,
    req: `${method} …`,
  })

  it('relays a MESSAGE’s first 2xx without a CANCEL to the binding still answering', () => {
    const a = run([createFor('MESSAGE', gen(0, [ua(0), ua(1)])), resp(0, 0, 200), resp(0, 1, 200)])
    expect(kinds(a[0]!)).toEqual(['relay', 'charge'])
    expect(a[0]).toContainEqual(expect.objectContaining({ kind: 'relay', i: 0, status: 200 }))
    // The other binding took the MESSAGE too; its 2xx is not a second final answer upstream
    // (RFC 3261 §16.7 step 5) and is not charged again.
    expect(a[1]).toEqual([])
  })

  it('answers a MESSAGE with a 6xx at once, still without a CANCEL', () => {
    const a = run([
      createFor('MESSAGE', gen(0, [ua(0), ua(1), ua(2)])),
      resp(0, 1, 603),
      resp(0, 0, 200),
    ])
    expect(kinds(a[0]!)).toEqual(['relay', 'charge'])
    expect(a[0]).toContainEqual(expect.objectContaining({ kind: 'relay', i: 1, status: 603 }))
    expect(a[1]).toEqual([])
  })

  it('answers a MESSAGE with 408 on Timer C and cancels nothing', () => {
    const a = run([
      createFor('MESSAGE', gen(0, [ua(0), ua(1)])),
      { k: 'timer', which: 'timer-c', g: 0 },
    ])
    expect(kinds(a[0]!)).toEqual(['respond', 'charge'])
  })

  it('skips a silent SESSION_CONTINUED server of a MESSAGE without cancelling it', () => {
    const asFork: ForkInfo = {
      ...ua(0),
      kind: 'as',
      as: {
        server: 'sip:x.as.edgewater.internal',
        defaultHandling: 'SESSION_CONTINUED',
        chain: 'orig',
      },
    }
    const next = { phase: 'orig' as const, chain: 'orig' as const, servedUser: 'sip:a@x', ifc: 1 }
    const a = run([
      createFor('MESSAGE', gen(0, [asFork], { asContinue: { request: 'MESSAGE …', next } })),
      { k: 'timer', which: 'liveness', g: 0, i: 0 },
    ])
    expect(kinds(a[0]!)).toEqual(['continue-chain'])
  })

  it('still cancels the pending forks of an INVITE on its first 2xx', () => {
    const a = run([createFor('INVITE', gen(0, [ua(0), ua(1)])), resp(0, 0, 200)])
    expect(kinds(a[0]!)).toEqual(['cancel', 'charge'])
  })
})
