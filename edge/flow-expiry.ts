/**
 * @module edge/flow-expiry
 * The flow object keeps the expiry of the bindings registered over it (docs/registrar.md,
 * "Expiry kept by the flow"; RFC 3261 §10.3, RFC 5626 §5.3). Every REGISTER and its 200 pass
 * through the flow, so it knows each binding's expiry for free:
 *
 * - **Record.** A REGISTER 200 for this flow's binding notes the AoR's expiry (the edge's clock)
 *   in the socket's attachment, which survives hibernation at no cost; a de-REGISTER's 200 drops
 *   it. The REGISTER went to Sprout with `ew-expiry=flow` on the edge's Via
 *   (shared/hop/flow-expiry.ts), so Sprout arms no timer for it.
 * - **One alarm, set lazily.** The object's single Durable Object alarm stands at the earliest
 *   expiry plus a grace ({@link FlowExpirySettings.graceMs}). An expiry earlier than the alarm
 *   brings it forward. A refresh leaves it where it is while the client will refresh again
 *   before it fires (no storage write); a refresh after which the alarm would fire before the
 *   client's next refresh (expected one expiry advance later: the client refreshes as often as
 *   it just did) moves it to the new earliest expiry at once: one row written while the object
 *   is awake anyway, instead of an alarm invocation that would only re-arm. A client that
 *   refreshes regularly thus costs one alarm write per expiry period and no alarm invocation.
 * - **The alarm.** Each AoR whose expiry (plus grace) has passed is a lapse: the flow asks Sprout
 *   (`POST /flows/<token>/expired`, signed, home region then the other) to expire that AoR's
 *   bindings of this flow; Sprout checks the record and answers how long a binding of the flow
 *   still lives there, if one does. An AoR refreshed on this flow costs nothing but the re-arm:
 *   the alarm moves to the latest known expiry. With the WebSocket gone, the flow-closure notice
 *   (RFC 5626 §5.3) goes for every AoR it carried, from the record kept in storage. A notice that
 *   reaches neither region is retried by the alarm ({@link FlowExpirySettings.retryMs}); alarms
 *   survive hibernation and eviction, and the runtime retries a failed alarm handler too.
 *
 * Nothing here keeps the object awake: the alarm lives in storage, every hop's timer is cleared
 * when the hop ends, and an idle flow holds no pending I/O (edge/flow-object.test.ts).
 * Times are the edge's own clock; Sprout answers remaining time, so clock offsets do not matter.
 */
import { z } from 'zod'
import { peerOf, type Region } from '../shared/config/regions'
import {
  type FlowExpiredAnswer,
  flowExpiredAnswer,
  flowExpiredPath,
} from '../shared/hop/flow-expiry'
import { signedFetch } from '../shared/hop/signed-fetch'
import { metrics } from '../shared/metrics/isolate'
import type { EdgeConfig } from './edge-config'
import type { EdgeEnv } from './env'
import { type FlowState, MAX_IDENTITIES } from './flow-state'

/** What the attachment holds for this (small: the attachment limit is 2 KiB). */
export interface FlowExpiryFields {
  /** Latest known expiry (epoch ms, the edge's clock) of this flow's bindings, by AoR. */
  expiries?: Record<string, number>
  /** When the object's alarm is set for (epoch ms), as this flow last set it; absent: none. */
  alarmAt?: number
  /** The AoRs the storage record ({@link StoredFlowExpiry}) names, joined; absent: none. */
  storedAors?: string
  /**
   * How far the last refresh moved its AoR's expiry (ms): the client's refresh interval, read
   * by {@link syncAlarm} right after the message that carried it, then dropped.
   */
  advancedMs?: number
}

type ExpiryState = FlowState & FlowExpiryFields

/** Kept in the object's storage beside the alarm, for an alarm that finds the WebSocket gone. */
export interface StoredFlowExpiry {
  token: string
  home: Region
  aors: string[]
}
export const STORED_KEY = 'flow-expiry'

export interface FlowExpirySettings {
  /** `FLOW_EXPIRY`: `on` (default) or `off` (every binding keeps a timer-service timer). */
  enabled: boolean
  /** `FLOW_EXPIRY_GRACE_SECONDS` (default 2): how long after an expiry the alarm looks. */
  graceMs: number
  /** `FLOW_EXPIRY_RETRY_SECONDS` (default 30): the next try of a notice no region took. */
  retryMs: number
}

const settingsSchema = z.object({
  FLOW_EXPIRY: z.enum(['on', 'off']).default('on'),
  FLOW_EXPIRY_GRACE_SECONDS: z.coerce.number().min(0).max(300).default(2),
  FLOW_EXPIRY_RETRY_SECONDS: z.coerce.number().min(1).max(3600).default(30),
})

const settingsCache = new WeakMap<object, FlowExpirySettings>()

/** The settings from the edge's bindings, validated once per isolate (docs/edge.md). */
export function flowExpirySettings(env: EdgeEnv): FlowExpirySettings {
  const hit = settingsCache.get(env)
  if (hit) return hit
  const e = settingsSchema.parse({
    FLOW_EXPIRY: env.FLOW_EXPIRY || undefined,
    FLOW_EXPIRY_GRACE_SECONDS: env.FLOW_EXPIRY_GRACE_SECONDS || undefined,
    FLOW_EXPIRY_RETRY_SECONDS: env.FLOW_EXPIRY_RETRY_SECONDS || undefined,
  })
  const s = {
    enabled: e.FLOW_EXPIRY === 'on',
    graceMs: e.FLOW_EXPIRY_GRACE_SECONDS * 1000,
    retryMs: e.FLOW_EXPIRY_RETRY_SECONDS * 1000,
  }
  settingsCache.set(env, s)
  return s
}

/** A REGISTER 200 for this flow's binding of `aor`, which now expires at `at` (epoch ms). */
export function noteExpiry(state: FlowState, aor: string | undefined, at: number): void {
  if (!aor) return
  const s = state as ExpiryState
  const expiries = { ...(s.expiries ?? {}) }
  const before = expiries[aor]
  if (before !== undefined && at > before) s.advancedMs = at - before
  expiries[aor] = at
  // The AoRs of one subscriber's set at most: the oldest expiry goes first past the cap.
  const keys = Object.keys(expiries)
  if (keys.length > MAX_IDENTITIES)
    delete expiries[keys.sort((a, b) => expiries[a]! - expiries[b]!)[0]!]
  s.expiries = expiries
}

/** A REGISTER 200 that left this flow no binding of `aor` (a de-REGISTER). */
export function forgetExpiry(state: FlowState, aor: string | undefined): void {
  const s = state as ExpiryState
  if (!aor || !s.expiries || !(aor in s.expiries)) return
  const { [aor]: _gone, ...rest } = s.expiries
  s.expiries = rest
}

/** When the alarm should stand: the earliest known expiry plus the grace; undefined: none. */
export function wantedAlarm(state: FlowState, graceMs: number): number | undefined {
  const at = Object.values((state as ExpiryState).expiries ?? {})
  return at.length === 0 ? undefined : Math.min(...at) + graceMs
}

/** The storage operations a flow object does for its expiry (counted for the cost model). */
export interface ExpiryStorage {
  setAlarm(at: number): Promise<void>
  put(key: string, value: StoredFlowExpiry): Promise<void>
  get(key: string): Promise<StoredFlowExpiry | undefined>
  deleteAll(): Promise<void>
  deleteAlarm(): Promise<void>
}

/** A Durable Object's storage as the expiry keeper uses it: the alarm and one small record. */
export function expiryStorageOf(st: DurableObjectStorage): ExpiryStorage {
  return {
    setAlarm: (at) => st.setAlarm(at),
    put: (key, value) => st.put(key, value),
    get: (key) => st.get<StoredFlowExpiry>(key),
    deleteAll: () => st.deleteAll(),
    deleteAlarm: () => st.deleteAlarm(),
  }
}

/** The storage record, written when the set of AoRs changes (rarely: once per flow as a rule). */
async function keepRecord(store: ExpiryStorage, state: ExpiryState): Promise<void> {
  const aors = Object.keys(state.expiries ?? {}).sort()
  const joined = aors.join('\n')
  if (aors.length === 0 || state.storedAors === joined) return
  await store.put(STORED_KEY, { token: state.token, home: state.home, aors })
  metrics.flowExpiryWrites.inc({ op: 'put' })
  state.storedAors = joined
}

async function arm(store: ExpiryStorage, state: ExpiryState, at: number): Promise<void> {
  await store.setAlarm(at)
  metrics.flowExpiryWrites.inc({ op: 'set_alarm' })
  state.alarmAt = at
}

/**
 * After a message (`now`, the edge's clock): arms the alarm when an expiry is known that the
 * alarm does not cover yet (none set, or set later than the earliest expiry). After a refresh,
 * which only moves an expiry later, it writes nothing while the client's next refresh (now plus
 * the refresh's expiry advance) comes before the alarm; otherwise the alarm would fire only to
 * find the binding refreshed and re-arm, so it moves to the earliest expiry now. Other messages
 * write nothing.
 */
export async function syncAlarm(
  store: ExpiryStorage,
  state: FlowState,
  settings: FlowExpirySettings,
  now: number
): Promise<void> {
  const s = state as ExpiryState
  const advanced = s.advancedMs
  delete s.advancedMs
  if (!settings.enabled) return
  const want = wantedAlarm(s, settings.graceMs)
  if (want === undefined) return
  if (s.alarmAt !== undefined && s.alarmAt <= want) {
    const nextRefresh = advanced === undefined ? undefined : now + advanced
    if (nextRefresh === undefined || s.alarmAt >= nextRefresh || s.alarmAt === want) return
    await arm(store, s, want)
    return
  }
  await keepRecord(store, s)
  await arm(store, s, want)
}

/** One signed JSON POST to Sprout, the home region first, then the other on transport failure. */
export type SproutPost = (
  home: Region,
  path: string,
  body: unknown
) => Promise<{ status: number; json: unknown } | undefined>

export function sproutPost(cfg: EdgeConfig): SproutPost {
  return async (home, path, body) => {
    for (const region of [home, peerOf(home)]) {
      const abort = new AbortController()
      // Cleared when the hop ends: nothing outlives it (hibernation).
      const timer = setTimeout(() => abort.abort(), cfg.upstreamTimeoutMs)
      try {
        const res = await signedFetch(
          (u, i) => fetch(u, i),
          cfg.hopSecret,
          `${cfg.functionUrls[region].sprout}${path}`,
          {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify(body),
            signal: abort.signal,
          }
        )
        const text = await res.text()
        let json: unknown
        try {
          json = JSON.parse(text)
        } catch {
          json = undefined
        }
        return { status: res.status, json }
      } catch {
        // transport failure: the other region
      } finally {
        clearTimeout(timer)
      }
    }
    return undefined
  }
}

/** The lapse notice for one AoR: Sprout's answer, or undefined when no region took it. */
async function expired(
  post: SproutPost,
  state: FlowState,
  aor: string
): Promise<FlowExpiredAnswer | undefined> {
  const r = await post(state.home, flowExpiredPath(state.token), { aor })
  if (!r || r.status >= 500) return undefined
  const parsed = flowExpiredAnswer.safeParse(r.json)
  // A 4xx will not change on a retry: the flow stops asking for that AoR.
  return parsed.success ? parsed.data : { removed: 0 }
}

export interface AlarmContext {
  now: number
  settings: FlowExpirySettings
  store: ExpiryStorage
  post: SproutPost
  log(msg: string, fields?: Record<string, unknown>): void
}

/**
 * The alarm of a flow whose WebSocket is open: lapsed AoRs are reported, refreshed ones re-arm.
 * Returns what it did, for the metric.
 */
export async function alarmWithSocket(
  state: FlowState,
  c: AlarmContext
): Promise<'rearmed' | 'lapsed' | 'retry' | 'idle'> {
  const s = state as ExpiryState
  delete s.alarmAt // it has fired
  let outcome: 'rearmed' | 'lapsed' | 'retry' | 'idle' = 'rearmed'
  let retry = false
  for (const [aor, at] of Object.entries(s.expiries ?? {})) {
    // At or past its expiry plus grace: a lapse (or a notice to retry).
    if (at + c.settings.graceMs > c.now) continue
    outcome = 'lapsed'
    const answer = await expired(c.post, s, aor)
    if (!answer) {
      retry = true
      c.log('flow expiry notice not delivered; retrying', { aor })
      continue
    }
    if (answer.next !== undefined) noteExpiry(s, aor, c.now + answer.next)
    else forgetExpiry(s, aor)
  }
  // Sprout's remaining times are no refresh interval: nothing for syncAlarm to read.
  delete s.advancedMs
  // An AoR whose notice no region took is due again after the retry delay, not at its expiry.
  const due = Object.values(s.expiries ?? {})
    .map((at) => at + c.settings.graceMs)
    .map((at) => (at <= c.now ? c.now + c.settings.retryMs : at))
  const want = due.length > 0 ? Math.min(...due) : undefined
  if (retry) outcome = 'retry'
  if (want === undefined) return outcome === 'rearmed' ? 'idle' : outcome
  await arm(c.store, s, want)
  return outcome
}

/**
 * The alarm of a flow whose WebSocket is gone without a closure notice that a region took: the
 * notice goes now for every AoR of the stored record; what no region takes is retried.
 */
export async function alarmWithoutSocket(c: AlarmContext): Promise<'gone' | 'retry' | 'idle'> {
  const rec = await c.store.get(STORED_KEY)
  if (!rec) return 'idle'
  const left: string[] = []
  for (const aor of rec.aors) {
    const r = await c.post(rec.home, `/flows/${rec.token}/closed`, { aor })
    if (!r || r.status >= 500) left.push(aor)
  }
  if (left.length > 0) {
    await c.store.put(STORED_KEY, { ...rec, aors: left })
    metrics.flowExpiryWrites.inc({ op: 'put' })
    await c.store.setAlarm(c.now + c.settings.retryMs)
    metrics.flowExpiryWrites.inc({ op: 'set_alarm' })
    c.log('flow closure notice not delivered; retrying', { aors: left.length })
    return 'retry'
  }
  await forgetStorage(c.store)
  return 'gone'
}

/** Clears what the flow kept in storage (its alarm and record), once nothing is left to tell. */
export async function forgetStorage(store: ExpiryStorage): Promise<void> {
  await store.deleteAlarm()
  await store.deleteAll()
  metrics.flowExpiryWrites.inc({ op: 'delete' })
}

/**
 * The WebSocket closed: when the closure notice reached a region, the flow's storage is cleared;
 * when it did not, the alarm retries it from the stored record (written now if it was not).
 */
export async function afterClose(
  store: ExpiryStorage,
  state: FlowState,
  delivered: boolean,
  c: Pick<AlarmContext, 'now' | 'settings'>
): Promise<void> {
  const s = state as ExpiryState
  const usedStorage = s.alarmAt !== undefined || s.storedAors !== undefined
  if (delivered) {
    if (usedStorage) await forgetStorage(store)
    return
  }
  if (!c.settings.enabled) return
  const aors = [...new Set([...(s.aor ? [s.aor] : []), ...Object.keys(s.expiries ?? {})])]
  if (aors.length === 0) return
  await store.put(STORED_KEY, { token: s.token, home: s.home, aors })
  metrics.flowExpiryWrites.inc({ op: 'put' })
  await store.setAlarm(c.now + c.settings.retryMs)
  metrics.flowExpiryWrites.inc({ op: 'set_alarm' })
}
