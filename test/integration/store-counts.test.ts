/**
 * Store operations per registration and per call, counted by the local cloud (control API
 * `GET /counters`): Redis commands as Upstash bills them, global-table operations, Scheduler API
 * calls, function invocations and requests to the edge, per region. They are deterministic, so
 * they are asserted exactly: a change that adds one fails here and has to update the numbers on
 * purpose (docs/performance.md explains each).
 *
 * Goals (issue 13), to be tightened here as the cost work lands:
 * - steady-state re-registration (REGISTER → 401 → REGISTER → 200 on an existing binding):
 *   ≤ 8 KV commands over both regions and 0 global-table operations;
 * - on-net call (INVITE/100/180/200/ACK/BYE/200): ≤ 20 KV commands over both regions.
 */
import { afterAll, describe, expect, it } from 'vitest'
import type { CountersSnapshot, RegionCounters } from '../../infra/local/counters'
import { established, newLine, Phone, terminated, until } from '../interop/calls-support'
import { endpoints } from '../support/cloud'
import { RawSipSocket } from '../support/sip-ua'
import { rawRegisterFlow, statusOf, subscriber } from './registrar-helpers'

async function control(path: string, method = 'GET'): Promise<CountersSnapshot> {
  const r = await fetch(`${endpoints().control}${path}`, { method })
  if (!r.ok) throw new Error(`${path}: ${r.status}`)
  return (await r.json()) as CountersSnapshot
}

/** What a test compares: per region, each counted service by name. */
function shape(s: CountersSnapshot) {
  const one = (c: RegionCounters) => ({
    kv: c.kv.commands.by,
    table: c.table.by,
    scheduler: c.scheduler.api.by,
    functions: c.functions.routes.by,
    edge: c.edge.requests.by,
  })
  return { a: one(s.regions.a), b: one(s.regions.b) }
}

const totalKv = (s: CountersSnapshot) =>
  s.regions.a.kv.commands.total + s.regions.b.kv.commands.total
const totalTable = (s: CountersSnapshot) => s.regions.a.table.total + s.regions.b.table.total
const fired = (s: CountersSnapshot) => s.regions.a.scheduler.fired + s.regions.b.scheduler.fired

/**
 * Counters once nothing more arrives for three reads in a row (asynchronous work such as
 * charging records has landed).
 */
async function settled(): Promise<CountersSnapshot> {
  let last = JSON.stringify(shape(await control('/counters')))
  let same = 0
  for (;;) {
    await new Promise((r) => setTimeout(r, 500))
    const now = await control('/counters')
    const text = JSON.stringify(shape(now))
    same = text === last ? same + 1 : 0
    if (same >= 3) return now
    last = text
  }
}

/**
 * Counts what `run` causes. A Scheduler invocation left over from an earlier suite (a timer of
 * its own falling due) would add operations of its own; the window is measured again then.
 */
async function counted(run: () => Promise<void>): Promise<CountersSnapshot> {
  for (let attempt = 0; ; attempt++) {
    await settled()
    await control('/counters/reset', 'POST')
    await run()
    const s = await settled()
    if (fired(s) === 0 || attempt >= 4) return s
  }
}

const phones: Phone[] = []
afterAll(async () => {
  await Promise.all(phones.splice(0).map((p) => p.stop()))
})

describe('store operations per transaction (issue 13)', () => {
  it('a steady-state re-registration: 401 then 200 on an existing binding', async () => {
    const sub = await subscriber('counts')
    const ws = await RawSipSocket.open(endpoints().sip.a)
    const callId = `counts-${crypto.randomUUID()}`
    const contact = `<sip:counts@counts.invalid;transport=ws>;+sip.instance="<urn:uuid:${crypto.randomUUID()}>";reg-id=1`
    try {
      const first = await rawRegisterFlow(ws, { sub, callId, cseq: 1, contact, expires: 300 })
      expect(statusOf(first.ok)).toBe(200)
      let ok = ''
      let cseq = 3
      const s = await counted(async () => {
        ok = (await rawRegisterFlow(ws, { sub, callId, cseq, contact, expires: 300 })).ok
        cseq += 2
      })
      expect(statusOf(ok)).toBe(200)
      expect(fired(s)).toBe(0)
      // Today's numbers; the goal is ≤ 8 KV commands in all and 0 table operations.
      expect({ kv: totalKv(s), table: totalTable(s) }).toEqual({ kv: 21, table: 1 })
      expect(shape(s)).toEqual(REGISTRATION)
    } finally {
      ws.close()
    }
  })

  it('an on-net call: INVITE/100/180/200/ACK/BYE/200 between two registered phones', async () => {
    const [la, lb] = await Promise.all([newLine(), newLine()])
    const [a, b] = await Promise.all([Phone.start(la), Phone.start(lb)])
    phones.push(a, b)
    const oneCall = async () => {
      const call = a.call(lb.impu)
      const inc = await until(() => b.incoming.at(-1), 10_000, 'no INVITE at the callee')
      b.incoming.length = 0
      // sip.js has already sent its own 180 on the INVITE; answer at once.
      await inc.answer()
      expect((await call.final).status).toBe(200)
      await established(call.inviter)
      await established(inc.invitation)
      await call.bye()
      await terminated(inc.invitation)
      await terminated(call.inviter)
    }
    // The first call warms what a steady state has warm (isolates, connections); the second counts.
    await oneCall()
    const s = await counted(oneCall)
    expect(fired(s)).toBe(0)
    // Today's numbers; the goal is ≤ 20 KV commands in all.
    expect({ kv: totalKv(s), table: totalTable(s) }).toEqual({ kv: 41, table: 9 })
    expect(shape(s)).toEqual(CALL)
  })
})

/**
 * One steady-state re-registration today: 4 function invocations (the 401 is a stateless
 * challenge: no Homestead call, no store call, no timer), 21 KV commands (region a 13, region b
 * 8: the AoR read, the failure counters (EVAL + MGET, local only), Homestead's two cache reads,
 * and the dual-written guarded AoR write — binding and nonce use in one script — and flow index),
 * 1 table operation and one Scheduler schedule per region (the binding's timer), and 3 requests
 * to the edge (the two responses to the flow and one precise-timer operation).
 */
const REGISTRATION = {
  a: {
    kv: { EVAL: 2, GET: 2, HGET: 2, HGETALL: 1, HSET: 2, MGET: 1, PEXPIRE: 1, PTTL: 1, SET: 1 },
    table: { PutItem: 1 },
    scheduler: { CreateSchedule: 1 },
    functions: {
      'dime GET /impi/*/av/digest': 1,
      'dime PUT /impu/*/reg-data': 1,
      'sprout POST /sip': 2,
    },
    edge: { 'POST /internal/flows/*/sip': 2, 'POST /internal/timers/*': 1 },
  },
  b: {
    kv: { EVAL: 1, HGET: 2, HSET: 2, PEXPIRE: 1, PTTL: 1, SET: 1 },
    table: {},
    scheduler: { CreateSchedule: 1 },
    functions: {},
    edge: {},
  },
}

/**
 * One on-net call today: 13 function invocations (7 Sprout `/sip`, 4 Ralf charging records,
 * 2 Dime reg-data reads), 41 KV commands (a 29, b 12), 9 table operations (the charging records
 * and their index), 3 Scheduler schedules per region, 12 requests to the edge (7 SIP messages to
 * flows, 5 precise-timer operations).
 */
const CALL = {
  a: {
    kv: {
      DEL: 4,
      EVAL: 4,
      EXISTS: 2,
      EXPIRE: 2,
      GET: 4,
      HGETALL: 3,
      INCR: 2,
      LRANGE: 2,
      RPUSH: 2,
      SET: 4,
    },
    table: { DeleteItem: 2, PutItem: 7 },
    scheduler: { CreateSchedule: 3 },
    functions: {
      'dime POST /call-id/*': 4,
      'dime PUT /impu/*/reg-data': 2,
      'sprout POST /sip': 7,
    },
    edge: { 'POST /internal/flows/*/sip': 7, 'POST /internal/timers/*': 5 },
  },
  b: {
    kv: { DEL: 4, EVAL: 2, INCR: 2, SET: 4 },
    table: {},
    scheduler: { CreateSchedule: 3 },
    functions: {},
    edge: {},
  },
}
