/**
 * @module vellum/timer-pop
 * The long tier's pop handler, run by the timers function of whichever region's Scheduler fired
 * (`POST /scheduler/fire`). Each pop (timer id, generation, sequence number) is delivered once
 * across both regions by a conditional write of its pop record in the global table:
 *
 * 1. The definition must still be this generation (else the schedule is stale: drop it).
 * 2. Claim: write the pop record `claimed` with a lease, only if absent. A record that is
 *    `done` means the other region delivered it: do nothing. A live claim means the other
 *    region is delivering right now: answer 503 so the Scheduler retries later (if that
 *    delivery fails, the claim is released and the retry delivers). An expired lease (the
 *    claimer died) is taken over with a versioned write.
 * 3. Schedule the next pop in both regions (idempotent names), then POST the callback
 *    (timer-callback.ts), on this region's copy of the callback's function.
 * 4. Success marks the record `done`. Failure releases the claim, so the other region's
 *    schedule delivers it (Chronos: a failed pop is dropped locally and the other replica pops).
 *
 * Delivery is therefore at least once (a callback that succeeds after its 2 s deadline may be
 * repeated); consumers are idempotent (docs/timers.md).
 */
import type { Clock } from '../config/clock'
import type { FunctionUrls, Region } from '../config/regions'
import type { Logger } from '../log/logger'
import { ConditionFailed } from './errors'
import type { GlobalTable, Item } from './global-table'
import { timerDefinitionKey, timerPopKey } from './keys'
import type { RoundTrips } from './round-trips'
import { type CallbackResult, deliverPop, localisedUri } from './timer-callback'
import { definitionFromItem, popItem } from './timer-definition'
import type { PopInput, ScheduleSettings, ScheduleTarget } from './timer-schedules'
import { popCount } from './timer-service'
import { scheduleBoth } from './timers-tiered'

/** How long a claim protects a delivery in progress (callback deadline plus margin). */
export const POP_LEASE_MS = 15_000

export type PopOutcome =
  | { status: 'delivered'; callback: CallbackResult }
  | { status: 'callback-failed'; callback: CallbackResult }
  | { status: 'duplicate' | 'stale' | 'in-progress' }

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
  backupMarginMs?: number
  fetch?: typeof fetch
}

/** HTTP status for the Scheduler: 503 makes it retry; everything else is final. */
export function popHttpStatus(o: PopOutcome): number {
  return o.status === 'in-progress' ? 503 : 200
}

async function claim(d: PopDeps, input: PopInput): Promise<Item | 'duplicate' | 'in-progress'> {
  const now = d.clock.now()
  const item = popItem(
    input.id,
    input.generation,
    input.seq,
    'claimed',
    d.region,
    now + POP_LEASE_MS,
    now
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

export async function handlePop(d: PopDeps, input: PopInput): Promise<PopOutcome> {
  const def = definitionFromItem(
    await d.table.get(timerDefinitionKey(input.id), { consistent: true })
  )
  if (
    !def ||
    def.generation !== input.generation ||
    def.tier !== 'scheduler' ||
    input.seq >= popCount(def)
  ) {
    d.log.debug('stale timer pop dropped', { timer: input.id, seq: input.seq })
    return { status: 'stale' }
  }
  const claimed = await claim(d, input)
  if (claimed === 'duplicate' || claimed === 'in-progress') {
    d.log.info('timer pop already handled by the other region', {
      timer: input.id,
      seq: input.seq,
      status: claimed,
    })
    return { status: claimed }
  }
  const claimVersion = claimed.version as number
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
    return { status: 'delivered', callback }
  }
  d.log.warn('timer callback failed; releasing the pop for the other region', {
    timer: def.id,
    seq: input.seq,
    uri: callback.uri,
    status: callback.status,
    error: callback.error,
  })
  await d.table
    .delete(key, { condition: { ifVersion: claimVersion } })
    .catch((err: unknown) =>
      d.log.warn('could not release a timer pop', { timer: def.id, error: String(err) })
    )
  return { status: 'callback-failed', callback }
}
