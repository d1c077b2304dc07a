/**
 * The flow's expiry keeper (flow-expiry.ts) over a recording storage and a fake Sprout: the alarm
 * is set once for the earliest expiry and not moved by a refresh; it re-arms without a hop when
 * the binding was refreshed on the flow, reports a lapse once, retries a notice no region took,
 * and with the socket gone sends the closure notice from the stored record.
 */
import { describe, expect, it } from 'vitest'
import {
  type AlarmContext,
  afterClose,
  alarmWithoutSocket,
  alarmWithSocket,
  type ExpiryStorage,
  type FlowExpiryFields,
  forgetExpiry,
  noteExpiry,
  type SproutPost,
  STORED_KEY,
  type StoredFlowExpiry,
  syncAlarm,
} from './flow-expiry'
import { type FlowState, newFlowState } from './flow-state'

const settings = { enabled: true, graceMs: 2_000, retryMs: 30_000 }
const AOR = 'sip:alice@example.com'

function storage() {
  const ops: string[] = []
  const data = new Map<string, StoredFlowExpiry>()
  let alarm: number | undefined
  const store: ExpiryStorage = {
    setAlarm: async (at) => {
      ops.push(`setAlarm ${at}`)
      alarm = at
    },
    put: async (k, v) => {
      ops.push(`put ${v.aors.join(',')}`)
      data.set(k, structuredClone(v))
    },
    get: async (k) => data.get(k),
    deleteAll: async () => {
      ops.push('deleteAll')
      data.clear()
    },
    deleteAlarm: async () => {
      ops.push('deleteAlarm')
      alarm = undefined
    },
  }
  return { store, ops, data, alarm: () => alarm }
}

function sprout(answers: Array<{ status: number; json: unknown } | undefined>) {
  const calls: Array<{ home: string; path: string; body: unknown }> = []
  const post: SproutPost = async (home, path, body) => {
    calls.push({ home, path, body })
    return answers.shift()
  }
  return { post, calls }
}

const flow = (): FlowState & FlowExpiryFields => newFlowState('f'.repeat(64), 'a', 10, 0)

const ctx = (now: number, s: ReturnType<typeof storage>, post: SproutPost): AlarmContext => ({
  now,
  settings,
  store: s.store,
  post,
  log: () => undefined,
})

describe("the flow's expiry keeper", () => {
  it('arms once for the earliest expiry plus grace; a refresh before the alarm is due writes nothing', async () => {
    const s = storage()
    const st = flow()
    noteExpiry(st, AOR, 300_000)
    await syncAlarm(s.store, st, settings, 0)
    expect(s.ops).toEqual([`put ${AOR}`, 'setAlarm 302000'])
    // Refreshed at half-time: the next refresh (at 300 s) comes before the alarm (302 s).
    noteExpiry(st, AOR, 450_000)
    await syncAlarm(s.store, st, settings, 150_000)
    expect(s.ops).toHaveLength(2)
    // Other messages write nothing either.
    await syncAlarm(s.store, st, settings, 200_000)
    expect(s.ops).toHaveLength(2)
    // A shorter registration brings it forward.
    noteExpiry(st, AOR, 100_000)
    await syncAlarm(s.store, st, settings, 200_000)
    expect(s.ops.at(-1)).toBe('setAlarm 102000')
  })

  it('moves the alarm on a refresh after which it would fire before the next refresh, instead of firing to re-arm', async () => {
    const s = storage()
    const st = flow()
    noteExpiry(st, AOR, 300_000)
    await syncAlarm(s.store, st, settings, 0)
    // A client that refreshes at 99 % of its expiry (sip.js): the alarm (302 s) would fire
    // before its next refresh (594 s), so it moves to the new expiry now.
    noteExpiry(st, AOR, 597_000)
    await syncAlarm(s.store, st, settings, 297_000)
    expect(s.ops).toEqual([`put ${AOR}`, 'setAlarm 302000', 'setAlarm 599000'])
    expect(st.alarmAt).toBe(599_000)
    // Refreshed at half-time (E = 2R): every second refresh moves it, none lets it fire.
    const h = storage()
    const sh = flow()
    noteExpiry(sh, AOR, 300_000)
    await syncAlarm(h.store, sh, settings, 0)
    noteExpiry(sh, AOR, 450_000)
    await syncAlarm(h.store, sh, settings, 150_000)
    noteExpiry(sh, AOR, 600_000)
    await syncAlarm(h.store, sh, settings, 300_000)
    noteExpiry(sh, AOR, 750_000)
    await syncAlarm(h.store, sh, settings, 450_000)
    noteExpiry(sh, AOR, 900_000)
    await syncAlarm(h.store, sh, settings, 600_000)
    expect(h.ops).toEqual([`put ${AOR}`, 'setAlarm 302000', 'setAlarm 602000', 'setAlarm 902000'])
  })

  it('does not move the alarm for a refresh while another AoR of the flow expires first', async () => {
    const s = storage()
    const st = flow()
    noteExpiry(st, AOR, 300_000)
    noteExpiry(st, 'sip:bob@example.com', 310_000)
    await syncAlarm(s.store, st, settings, 0)
    noteExpiry(st, 'sip:bob@example.com', 607_000)
    await syncAlarm(s.store, st, settings, 297_000)
    // Alice's expiry still sets the alarm: nothing to move.
    expect(s.ops).toEqual([`put ${AOR},sip:bob@example.com`, 'setAlarm 302000'])
  })

  it('does nothing when turned off', async () => {
    const s = storage()
    const st = flow()
    noteExpiry(st, AOR, 300_000)
    await syncAlarm(s.store, st, { ...settings, enabled: false }, 0)
    expect(s.ops).toEqual([])
  })

  it('re-arms for the latest expiry without a hop when the binding was refreshed on the flow', async () => {
    const s = storage()
    const st = flow()
    noteExpiry(st, AOR, 300_000)
    await syncAlarm(s.store, st, settings, 0)
    noteExpiry(st, AOR, 450_000)
    const { post, calls } = sprout([])
    expect(await alarmWithSocket(st, ctx(302_000, s, post))).toBe('rearmed')
    expect(calls).toEqual([])
    expect(s.alarm()).toBe(452_000)
    expect(st.alarmAt).toBe(452_000)
  })

  it('reports a lapse once, follows what Sprout says is still live, and forgets a removed AoR', async () => {
    const s = storage()
    const st = flow()
    noteExpiry(st, AOR, 300_000)
    noteExpiry(st, 'sip:bob@example.com', 900_000)
    // Sprout: alice's binding was refreshed through another path and lives 60 s more.
    const live = sprout([{ status: 200, json: { removed: 0, next: 60_000 } }])
    expect(await alarmWithSocket(st, ctx(302_000, s, live.post))).toBe('lapsed')
    expect(live.calls).toEqual([
      { home: 'a', path: `/flows/${st.token}/expired`, body: { aor: AOR } },
    ])
    expect(st.expiries?.[AOR]).toBe(362_000)
    expect(s.alarm()).toBe(364_000)
    // Sprout's remaining time is no refresh interval: the next message moves nothing.
    expect(st.advancedMs).toBeUndefined()
    const gone = sprout([{ status: 200, json: { removed: 1 } }])
    expect(await alarmWithSocket(st, ctx(364_000, s, gone.post))).toBe('lapsed')
    expect(st.expiries).toEqual({ 'sip:bob@example.com': 900_000 })
    expect(s.alarm()).toBe(902_000)
  })

  it('retries a lapse notice that no region took, and stops asking after a 4xx', async () => {
    const s = storage()
    const st = flow()
    noteExpiry(st, AOR, 300_000)
    const down = sprout([undefined])
    expect(await alarmWithSocket(st, ctx(302_000, s, down.post))).toBe('retry')
    expect(st.expiries?.[AOR]).toBe(300_000)
    expect(s.alarm()).toBe(332_000)
    const refused = sprout([{ status: 400, json: { error: 'bad' } }])
    expect(await alarmWithSocket(st, ctx(332_000, s, refused.post))).toBe('lapsed')
    expect(st.expiries).toEqual({})
  })

  it('a de-REGISTER forgets the AoR; the alarm then finds nothing to do', async () => {
    const s = storage()
    const st = flow()
    noteExpiry(st, AOR, 300_000)
    await syncAlarm(s.store, st, settings, 0)
    forgetExpiry(st, AOR)
    const { post, calls } = sprout([])
    expect(await alarmWithSocket(st, ctx(302_000, s, post))).toBe('idle')
    expect(calls).toEqual([])
    expect(s.ops).toHaveLength(2)
  })

  it('with the socket gone, sends the closure notice from the stored record, retrying until taken', async () => {
    const s = storage()
    const st = flow()
    st.aor = AOR
    noteExpiry(st, AOR, 300_000)
    await syncAlarm(s.store, st, settings, 0)
    // The closure notice at close reached no region: the alarm will retry it.
    await afterClose(s.store, st, false, { now: 10_000, settings })
    expect(s.alarm()).toBe(40_000)
    const down = sprout([undefined])
    expect(await alarmWithoutSocket(ctx(40_000, s, down.post))).toBe('retry')
    expect(s.alarm()).toBe(70_000)
    const up = sprout([{ status: 200, json: { removed: 1 } }])
    expect(await alarmWithoutSocket(ctx(70_000, s, up.post))).toBe('gone')
    expect(up.calls).toEqual([{ home: 'a', path: `/flows/${st.token}/closed`, body: { aor: AOR } }])
    expect(s.data.has(STORED_KEY)).toBe(false)
    expect(s.alarm()).toBeUndefined()
  })

  it('clears its storage when the closure notice was delivered, and never opens it otherwise', async () => {
    const used = storage()
    const st = flow()
    noteExpiry(st, AOR, 300_000)
    await syncAlarm(used.store, st, settings, 0)
    await afterClose(used.store, st, true, { now: 10_000, settings })
    expect(used.ops.slice(-2)).toEqual(['deleteAlarm', 'deleteAll'])
    const unused = storage()
    await afterClose(unused.store, flow(), true, { now: 10_000, settings })
    expect(unused.ops).toEqual([])
  })
})
