/**
 * What binding expiry costs when the binding's edge flow keeps it (docs/registrar.md, "Expiry
 * kept by the flow"), counted by the local cloud (control API `GET /counters`, and the flow
 * objects' own counters in `GET /metrics.json`) and asserted exactly, beside the registration
 * and call shapes of store-counts.test.ts:
 * - the steady state: the flow's alarm fires at the first expiry plus its grace, finds the
 *   binding refreshed on the flow and re-arms: one alarm and one alarm write, and nothing else
 *   (no function invocation, KV command, table operation or schedule);
 * - a refresh near the expiry: the alarm would fire before the client's next refresh, so the
 *   refresh moves it (one alarm write) and no alarm fires;
 * - a lapse: the alarm reports it to Sprout once (`POST /flows/<token>/expired`), which removes
 *   the binding and tells the HSS ({@link LAPSE}), with no schedule.
 * Real time (the alarms run on the edge's clock): registrations of a few seconds.
 */
import { describe, expect, it } from 'vitest'
import { endpoints } from '../support/cloud'
import { RawSipSocket } from '../support/sip-ua'
import { control, counted, fired, settled, shape } from '../support/store-counting'
import { bindingsOf, rawRegister, rawRegisterFlow, statusOf, subscriber } from './registrar-helpers'

interface Family {
  name: string
  series: Array<{ labels: Record<string, string>; value: number }>
}

/** The flow objects' expiry counters, summed over both edges, by label value. */
async function flowExpiry(): Promise<{
  alarms: Record<string, number>
  writes: Record<string, number>
}> {
  const r = await fetch(`${endpoints().control}/metrics.json`)
  const { families } = (await r.json()) as { families: Family[] }
  const by = (name: string, label: string) => {
    const out: Record<string, number> = {}
    for (const s of families.find((f) => f.name === name)?.series ?? [])
      out[s.labels[label]!] = (out[s.labels[label]!] ?? 0) + s.value
    return out
  }
  return {
    alarms: by('edgewater_flow_expiry_alarms_total', 'outcome'),
    writes: by('edgewater_flow_expiry_writes_total', 'op'),
  }
}

const diff = (after: Record<string, number>, before: Record<string, number>) =>
  Object.fromEntries(
    Object.entries(after)
      .map(([k, v]) => [k, v - (before[k] ?? 0)] as const)
      .filter(([, v]) => v !== 0)
  )

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
/** The flow's alarm looks this long after an expiry (FLOW_EXPIRY_GRACE_SECONDS, default 2). */
const GRACE_MS = 2_000

const NOTHING = { kv: {}, table: {}, scheduler: {}, functions: {}, edge: {} }

/**
 * A lapse, the last binding of the AoR: one Sprout invocation (the flow's notice, which runs what
 * a timer pop's removal runs); in region a the AoR's read (`GET`), its tombstone's merged write
 * (`SET … GET`), the read that plans the NOTIFYs and the in-process Homestead's `dereg-timeout`
 * (`MGET` ×2, `SET`, and in the global table the registration state's `PutItem` after two
 * `Query`s); in region b the dual writes. No schedule and no request to the edge.
 */
const LAPSE = {
  a: {
    kv: { GET: 1, MGET: 2, SET: 2 },
    table: { PutItem: 1, Query: 2 },
    scheduler: {},
    functions: { 'sprout POST /flows/*/expired': 1 },
    edge: {},
  },
  b: { kv: { SET: 2 }, table: {}, scheduler: {}, functions: {}, edge: {} },
}

describe('binding expiry kept by the flow: operations per pop', () => {
  it('an alarm that finds the binding refreshed on its flow re-arms, and costs nothing else', async () => {
    const sub = await subscriber('xcounts')
    const ws = await RawSipSocket.open(endpoints().sip.a)
    const callId = `xc-${crypto.randomUUID()}`
    const contact = '<sip:xc@counts.invalid;transport=ws>'
    try {
      const t0 = Date.now()
      const first = await rawRegisterFlow(ws, { sub, callId, cseq: 1, contact, expires: 12 })
      expect(statusOf(first.ok)).toBe(200)
      await sleep(t0 + 6_000 - Date.now())
      // Refreshed at half-time: the alarm (at 12 s + grace) stays where it is.
      const again = await rawRegisterFlow(ws, { sub, callId, cseq: 3, contact, expires: 12 })
      expect(statusOf(again.ok)).toBe(200)
      const before = await flowExpiry()
      // Past the first expiry and its grace, before the refreshed one's (the metrics are read
      // outside the counted window: reading them costs function requests of their own).
      const s = await counted(() => sleep(t0 + 12_000 + GRACE_MS + 1_000 - Date.now()))
      const after = await flowExpiry()
      expect(fired(s)).toBe(0)
      expect(shape(s)).toEqual({ a: NOTHING, b: NOTHING })
      expect(diff(after.alarms, before.alarms)).toEqual({ rearmed: 1 })
      expect(diff(after.writes, before.writes)).toEqual({ set_alarm: 1 })
      expect(Object.keys(await bindingsOf(sub.impu))).toHaveLength(1)
      // Unregister, so the flow's alarm has nothing left to do.
      const ch = await ws.request(rawRegister({ sub, callId, cseq: 5, contact, expires: 0 }))
      expect(statusOf(ch)).toBe(401)
    } finally {
      ws.close()
    }
  })

  it('a refresh after which the alarm would fire before the next refresh moves it: one alarm write, no alarm', async () => {
    const sub = await subscriber('xmove')
    const ws = await RawSipSocket.open(endpoints().sip.a)
    const callId = `xm-${crypto.randomUUID()}`
    const contact = '<sip:xm@counts.invalid;transport=ws>'
    try {
      const t0 = Date.now()
      const first = await rawRegisterFlow(ws, { sub, callId, cseq: 1, contact, expires: 8 })
      expect(statusOf(first.ok)).toBe(200)
      const before = await flowExpiry()
      // Refreshed near its expiry (as sip.js does, at 99 %): the alarm (8 s + grace) would fire
      // before the next refresh, so the refresh moves it to the new expiry.
      await sleep(t0 + 6_500 - Date.now())
      const again = await rawRegisterFlow(ws, { sub, callId, cseq: 3, contact, expires: 8 })
      expect(statusOf(again.ok)).toBe(200)
      // Past the first expiry and its grace: the alarm did not fire there.
      await sleep(t0 + 8_000 + GRACE_MS + 1_000 - Date.now())
      const after = await flowExpiry()
      expect(diff(after.alarms, before.alarms)).toEqual({})
      expect(diff(after.writes, before.writes)).toEqual({ set_alarm: 1 })
      expect(Object.keys(await bindingsOf(sub.impu))).toHaveLength(1)
      const ch = await ws.request(rawRegister({ sub, callId, cseq: 5, contact, expires: 0 }))
      expect(statusOf(ch)).toBe(401)
    } finally {
      ws.close()
    }
  })

  it('an alarm that finds the binding lapsed tells Sprout once, which removes it', async () => {
    // One window around the lapse. It opens once the registration's work has landed (the
    // counters still for 1.5 s) and must open before the binding lapses; a Scheduler pop left
    // over from another suite must not fall inside it. `counted` would measure again in a new
    // window after such a pop, but the lapse happens once: so here the whole scenario runs
    // again, with a new subscriber, when the window was late or a pop interfered.
    for (let attempt = 1; ; attempt++) {
      const sub = await subscriber('xlapse')
      const ws = await RawSipSocket.open(endpoints().sip.a)
      const callId = `xl-${crypto.randomUUID()}`
      const contact = '<sip:xl@counts.invalid;transport=ws>'
      try {
        const before = await flowExpiry()
        const t0 = Date.now()
        const { ok } = await rawRegisterFlow(ws, { sub, callId, cseq: 1, contact, expires: 3 })
        expect(statusOf(ok)).toBe(200)
        await settled()
        await control('/counters/reset', 'POST')
        const openedAt = Date.now()
        await sleep(t0 + 3_000 + GRACE_MS + 1_000 - Date.now())
        const s = await settled()
        expect(Object.keys(await bindingsOf(sub.impu))).toHaveLength(0)
        if ((fired(s) > 0 || openedAt >= t0 + 3_000) && attempt < 5) continue
        const after = await flowExpiry()
        expect(fired(s)).toBe(0)
        expect(diff(after.alarms, before.alarms)).toEqual({ lapsed: 1 })
        // The first registration's record and alarm; the lapse leaves nothing to arm.
        expect(diff(after.writes, before.writes)).toEqual({ put: 1, set_alarm: 1 })
        expect(shape(s)).toEqual(LAPSE)
        return
      } finally {
        ws.close()
      }
    }
  }, 90_000)
})
