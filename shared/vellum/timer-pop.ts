/**
 * @module vellum/timer-pop
 * The long tier's pop handler, run by the timers function of whichever region's Scheduler fired
 * (`POST /scheduler/fire`). Each pop (timer id, generation, sequence number) is delivered once
 * across both regions by a conditional write of its pop record in the global table:
 *
 * 1. The definition must still be this generation (else the schedule is stale: drop it). The
 *    global table replicates item by item after a lag (docs/geo-redundancy.md), so a pop may
 *    reach a region whose replica has not yet seen the generation it was scheduled for (the
 *    definition is absent or older). Within REPLICATION_GRACE_MS of the generation's set time
 *    that pop is answered 503, and the Scheduler retries it once the definition has arrived,
 *    rather than dropped as stale: a pop is never lost to replication lag.
 * 2. Claim: write the pop record `claimed` with a lease, only if absent. A record that is
 *    `done` means the other region delivered it: do nothing. A live claim means the other
 *    region is delivering right now: answer 503 so the Scheduler retries later (if that
 *    delivery fails, the claim is released and the retry delivers). An expired lease (the
 *    claimer died) is taken over with a versioned write.
 * 3. Early pop: EventBridge fires anywhere within the minute of its `at()` time, so a pop may
 *    arrive before it is due. It is then claimed (lease until due + 15 s) and handed to the
 *    precise tier for the remaining milliseconds; the Durable Object posts it back here with the
 *    claim's token at the due time. If the precise tier cannot take it, the claim is released
 *    and the backup schedule delivers it, late but never early.
 * 4. Schedule the next pop in both regions (idempotent names), then POST the callback
 *    (timer-callback.ts), on this region's copy of the callback's function.
 * 5. Success marks the record `done` and deletes the other region's schedule of the same pop
 *    (best effort: if it fires anyway, step 2 drops it). Failure releases the claim, so the other
 *    region's schedule delivers it (Chronos: a failed pop is dropped locally and the other
 *    replica pops).
 *
 * Delivery is therefore at least once (a callback that succeeds after its 2 s deadline may be
 * repeated); consumers are idempotent (docs/timers.md).
 */
import type { Clock } from '../config/clock'
import type { FunctionUrls, Region } from '../config/regions'
import type { Logger } from '../log/logger'
import { metrics } from '../metrics/isolate'
import { ConditionFailed } from './errors'
import type { GlobalTable, Item } from './global-table'
import { timerDefinitionKey, timerPopKey } from './keys'
import type { RoundTrips } from './round-trips'
import { type CallbackResult, deliverPop, localisedUri } from './timer-callback'
import { definitionFromItem, dueAt, popItem, type TimerDefinition } from './timer-definition'
import type { PreciseTierClient } from './timer-precise-client'
import {
  deletePopSchedule,
  type PopInput,
  type ScheduleSettings,
  type ScheduleTarget,
  scheduleName,
} from './timer-schedules'
import { popCount } from './timer-service'
import { scheduleBoth } from './timers-tiered'

/** How long a claim protects a delivery in progress (callback deadline plus margin). */
export const POP_LEASE_MS = 15_000
/** A pop arriving more than this before it is due is handed to the precise tier. */
export const HANDOFF_MIN_MS = 0
/** A pop delivered more than this after it was due counts as late (the `timing` metric). */
export const DEFAULT_LATE_POP_MS = 60_000
/** Path of the pop route on the timers function (the precise tier posts handed-off pops here). */
export const POP_ROUTE = '/scheduler/fire'
/**
 * How long after a generation was set (its number is the set time in ms × 1000) a pop that finds
 * no such generation in this region's replica is retried rather than dropped. It covers the
 * replication lag and a partition of that length; afterwards the pop is taken as stale (the
 * timer was deleted), and the other region's schedule, where the definition was written, pops it.
 */
export const REPLICATION_GRACE_MS = 10 * 60_000

export type PopOutcome =
  | { status: 'delivered'; callback: CallbackResult }
  | { status: 'callback-failed'; callback: CallbackResult }
  | { status: 'handed-off'; dueInMs: number }
  | { status: 'duplicate' | 'stale' | 'in-progress' | 'handoff-failed' | 'not-replicated' }

export interface PopDeps {
  table: GlobalTable
  local: ScheduleTarget
  remote: ScheduleTarget
  settings: ScheduleSettings
  clock: Clock
  log: Logger
  rt: RoundTrips
  region: Region
  functionUrls: FunctionUrls
  secret: string
  /** The precise tier, for early pops; without it an early pop is delivered at once. */
  precise?: PreciseTierClient
  backupMarginMs?: number
  primaryLeadMs?: number
  fetch?: typeof fetch
  random?: () => number
  /** Lateness beyond which a delivered pop is counted late (default {@link DEFAULT_LATE_POP_MS}). */
  latePopMs?: number
  /** Default {@link REPLICATION_GRACE_MS}. */
  replicationGraceMs?: number
}

/** HTTP status for the Scheduler: 503 makes it retry; everything else is final. */
export function popHttpStatus(o: PopOutcome): number {
  return o.status === 'in-progress' || o.status === 'not-replicated' ? 503 : 200
}

/**
 * Whether this region's replica is behind the pop: it holds no definition or an older generation
 * than the one the pop was scheduled for, and that generation is recent enough for replication
 * to still bring it.
 */
export function replicaBehind(
  def: TimerDefinition | undefined,
  input: PopInput,
  nowMs: number,
  graceMs: number
): boolean {
  if (def && def.generation >= input.generation) return false
  return nowMs - Math.floor(input.generation / 1000) < graceMs
}

type Claim = Item | 'duplicate' | 'in-progress'

async function claim(
  d: PopDeps,
  input: PopInput,
  leaseUntil: number,
  token?: string
): Promise<Claim> {
  const now = d.clock.now()
  const item = popItem(
    input.id,
    input.generation,
    input.seq,
    'claimed',
    d.region,
    leaseUntil,
    now,
    token
  )
  try {
    return await d.table.put(item, { condition: { ifNotExists: true } })
  } catch (err) {
    if (!(err instanceof ConditionFailed)) throw err
    const cur = err.details.current
    if (cur?.state === 'done') return 'duplicate'
    const lease = typeof cur?.leaseUntil === 'number' ? cur.leaseUntil : Number.POSITIVE_INFINITY
    if (!cur || typeof cur.version !== 'number' || lease > now) return 'in-progress'
    try {
      // The claimer's lease ran out without an outcome: take the pop over.
      return await d.table.put(item, { condition: { ifVersion: cur.version } })
    } catch (e) {
      if (e instanceof ConditionFailed) return 'in-progress'
      throw e
    }
  }
}

/** A pop the precise tier hands back: go on only under this region's own claim. */
async function resumeClaim(d: PopDeps, input: PopInput): Promise<Claim | undefined> {
  const cur = await d.table.get(timerPopKey(input.id, input.generation, input.seq), {
    consistent: true,
  })
  if (!cur) return undefined // released meanwhile: claim afresh
  if (cur.state === 'done') return 'duplicate'
  return cur.token === input.token ? cur : 'in-progress'
}

function newToken(random: () => number): string {
  return Math.floor(random() * 2 ** 48).toString(36) + Math.floor(random() * 2 ** 48).toString(36)
}

async function release(d: PopDeps, input: PopInput, version: number): Promise<void> {
  await d.table
    .delete(timerPopKey(input.id, input.generation, input.seq), {
      condition: { ifVersion: version },
    })
    .catch((err: unknown) =>
      d.log.warn('could not release a timer pop', { timer: input.id, error: String(err) })
    )
}

async function handOff(
  d: PopDeps,
  def: TimerDefinition,
  input: PopInput,
  dueInMs: number
): Promise<PopOutcome> {
  const token = newToken(d.random ?? Math.random)
  const claimed = await claim(d, input, d.clock.now() + dueInMs + POP_LEASE_MS, token)
  if (claimed === 'duplicate' || claimed === 'in-progress') return { status: claimed }
  try {
    await d.precise!.send({
      op: 'set',
      id: def.id,
      generation: def.generation,
      intervalMs: dueInMs,
      repeatForMs: dueInMs,
      callbackUri: `${d.functionUrls[d.region].timers.replace(/\/+$/, '')}${POP_ROUTE}`,
      opaque: JSON.stringify({ ...input, token }),
    })
    metrics.timerPops.inc({ timing: 'early' })
    return { status: 'handed-off', dueInMs }
  } catch (err) {
    d.log.warn('early timer pop could not be handed to the precise tier; the backup will pop it', {
      timer: def.id,
      seq: input.seq,
      error: String(err),
    })
    await release(d, input, claimed.version as number)
    return { status: 'handoff-failed' }
  }
}

export async function handlePop(d: PopDeps, input: PopInput): Promise<PopOutcome> {
  const def = definitionFromItem(
    await d.table.get(timerDefinitionKey(input.id), { consistent: true })
  )
  if (replicaBehind(def, input, d.clock.now(), d.replicationGraceMs ?? REPLICATION_GRACE_MS)) {
    d.log.info('timer pop ahead of this replica: retry once its definition has replicated', {
      timer: input.id,
      generation: input.generation,
      seq: input.seq,
    })
    return { status: 'not-replicated' }
  }
  if (
    !def ||
    def.generation !== input.generation ||
    def.tier !== 'scheduler' ||
    input.seq >= popCount(def)
  ) {
    d.log.debug('stale timer pop dropped', { timer: input.id, seq: input.seq })
    return { status: 'stale' }
  }
  const dueInMs = dueAt(def, input.seq) - d.clock.now()
  let claimed: Claim | undefined = input.token ? await resumeClaim(d, input) : undefined
  if (claimed === undefined) {
    if (dueInMs > HANDOFF_MIN_MS && d.precise) return handOff(d, def, input, dueInMs)
    claimed = await claim(d, input, d.clock.now() + POP_LEASE_MS)
  }
  if (claimed === 'duplicate' || claimed === 'in-progress') {
    if (claimed === 'duplicate') metrics.timerPops.inc({ timing: 'duplicate' })
    d.log.info('timer pop already handled by the other region', {
      timer: input.id,
      seq: input.seq,
      status: claimed,
    })
    return { status: claimed }
  }
  const claimVersion = claimed.version as number
  const late = -dueInMs > (d.latePopMs ?? DEFAULT_LATE_POP_MS)
  metrics.timerPops.inc({ timing: late ? 'late' : 'on_time' })
  const next = input.seq + 1
  const [callback] = await Promise.all([
    deliverPop({
      uri: localisedUri(def.callbackUri, d.functionUrls, d.region),
      opaque: def.opaque,
      seq: input.seq,
      secret: d.secret,
      ...(d.fetch ? { fetch: d.fetch } : {}),
    }),
    next < popCount(def)
      ? scheduleBoth(d, def, next).catch((err: unknown) =>
          d.log.error('could not schedule the next pop of a repeating timer', {
            timer: def.id,
            seq: next,
            error: String(err),
          })
        )
      : Promise.resolve(),
  ])
  const key = timerPopKey(input.id, input.generation, input.seq)
  if (callback.ok) {
    await d.table
      .update(
        key,
        { set: { state: 'done', deliveredAt: d.clock.now() } },
        { condition: { ifVersion: claimVersion } }
      )
      .catch((err: unknown) =>
        d.log.warn('could not mark a timer pop done', {
          timer: def.id,
          seq: input.seq,
          error: String(err),
        })
      )
    // The other region's schedule of this pop (the backup, or the primary when the backup
    // delivered) would only find it done: delete it, so it neither fires nor is billed. Best
    // effort: if it still fires, step 2 answers it as a duplicate.
    await deletePopSchedule(
      d.remote,
      d.settings,
      scheduleName(input.id, input.generation, input.seq),
      d.rt
    ).catch((err: unknown) =>
      d.log.debug("could not delete the other region's schedule of a delivered pop", {
        timer: def.id,
        seq: input.seq,
        error: String(err),
      })
    )
    return { status: 'delivered', callback }
  }
  d.log.warn('timer callback failed; releasing the pop for the other region', {
    timer: def.id,
    seq: input.seq,
    uri: callback.uri,
    status: callback.status,
    error: callback.error,
  })
  await release(d, input, claimVersion)
  return { status: 'callback-failed', callback }
}
