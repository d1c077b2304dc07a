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
import { newLine, Phone } from '../interop/calls-support'
import { endpoints } from '../support/cloud'
import { onNetCall } from '../support/on-net-call'
import { RawSipSocket } from '../support/sip-ua'
import { counted, fired, shape, totalKv, totalTable } from '../support/store-counting'
import {
  answerChallenge,
  rawRegister,
  rawRegisterFlow,
  statusOf,
  subscriber,
} from './registrar-helpers'

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
      // The goal is ≤ 8 KV commands in all and 0 table operations.
      expect({ kv: totalKv(s), table: totalTable(s) }).toEqual({ kv: 3, table: 0 })
      expect(shape(s)).toEqual(REGISTRATION)
    } finally {
      ws.close()
    }
  })

  it('a fresh challenge: answered by the edge, no invocation and no store operation', async () => {
    const sub = await subscriber('counts-401')
    const ws = await RawSipSocket.open(endpoints().sip.a)
    const callId = `counts-401-${crypto.randomUUID()}`
    const contact = `<sip:c401@counts.invalid;transport=ws>;+sip.instance="<urn:uuid:${crypto.randomUUID()}>";reg-id=1`
    try {
      let challenge = ''
      const s = await counted(async () => {
        challenge = await ws.request(rawRegister({ sub, callId, cseq: 1, contact, expires: 300 }))
      })
      expect(statusOf(challenge)).toBe(401)
      expect(challenge).toMatch(/\r\nWWW-Authenticate: Digest [^\r]*algorithm=SHA-256/)
      expect(fired(s)).toBe(0)
      expect(shape(s)).toEqual(NOTHING)
      // The edge's nonce is the registrar's: its answer registers.
      const ok = await ws.request(
        rawRegister({
          sub,
          callId,
          cseq: 2,
          contact,
          expires: 300,
          authorization: answerChallenge(challenge, sub),
        })
      )
      expect(statusOf(ok)).toBe(200)
    } finally {
      ws.close()
    }
  })

  it('an on-net call: INVITE/100/180/200/ACK/BYE/200 between two registered phones', async () => {
    const [la, lb] = await Promise.all([newLine(), newLine()])
    const [a, b] = await Promise.all([Phone.start(la), Phone.start(lb)])
    phones.push(a, b)
    // sip.js has already sent its own 180 on the INVITE; the callee answers at once.
    const oneCall = () => onNetCall(a, b, lb.impu)
    // The first call warms what a steady state has warm (isolates, connections); the second counts.
    await oneCall()
    const s = await counted(oneCall)
    expect(fired(s)).toBe(0)
    // The goal is ≤ 20 KV commands in all.
    expect({ kv: totalKv(s), table: totalTable(s) }).toEqual({ kv: 9, table: 2 })
    expect(shape(s)).toEqual(CALL)
  })
})

/** Nothing at all, in either region. */
const NOTHING = {
  a: { kv: {}, table: {}, scheduler: {}, functions: {}, edge: {} },
  b: { kv: {}, table: {}, scheduler: {}, functions: {}, edge: {} },
}

/**
 * One steady-state re-registration: 1 function invocation (Sprout `/sip` for the REGISTER that
 * answers the challenge; the edge answers the first REGISTER with the registrar's stateless
 * challenge itself, edge/register-challenge.ts, and Homestead runs in Sprout), 3 KV commands:
 * in region a one MGET (the AoR's record map, the source's failure counters and Homestead's two
 * cache entries) and one SET … GET (the AoR's merged record map), in region b the same SET … GET
 * (the dual write). No table operation and no schedule: a refresh
 * that extends a binding leaves its expiry timer as it is (the pop re-arms it). No request to
 * the edge: the 200 travels in the hop's HTTP answer.
 */
const REGISTRATION = {
  a: {
    kv: { MGET: 1, SET: 1 },
    table: {},
    scheduler: {},
    functions: { 'sprout POST /sip': 1 },
    edge: {},
  },
  b: {
    kv: { SET: 1 },
    table: {},
    scheduler: {},
    functions: {},
    edge: {},
  },
}

/**
 * One on-net call: 6 function invocations (Sprout `/sip`: the INVITE, the callee's 180 and 200,
 * the ACK, the BYE and its 200; the callee's 100 Trying stops at the edge), 9 KV commands, all in
 * region a (the INVITE's one MGET of the callee's AoR and both users' Homestead entries, the two
 * MMTEL settings hashes, and the proxy transaction record's scripts: EVAL + RPUSH + EXPIRE to
 * create, EVAL + RPUSHX + LRANGE to append), 2 table operations (the call's charging record:
 * PutItem of its START item at the answer, and at the BYE a PutItem of a small STOP item of its
 * own, so no index entry is rewritten; the BYE reads nothing, since whether the call is charged
 * and its interim timer's id come back in the BYE's Route from Sprout's Record-Route,
 * charging-token.ts), no schedule, and 9 requests to the edge (6 SIP messages to flows, 3
 * precise-timer operations: Timer C armed, then replaced by the interim timer and deleted).
 */
const CALL = {
  a: {
    kv: { EVAL: 2, EXPIRE: 1, HGETALL: 2, LRANGE: 1, MGET: 1, RPUSH: 1, RPUSHX: 1 },
    table: { PutItem: 2 },
    scheduler: {},
    functions: { 'sprout POST /sip': 6 },
    edge: { 'POST /internal/flows/*/sip': 6, 'POST /internal/timers/*': 3 },
  },
  b: {
    kv: {},
    table: {},
    scheduler: {},
    functions: {},
    edge: {},
  },
}
