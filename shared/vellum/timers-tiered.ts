/**
 * @module vellum/timers-tiered
 * The production {@link TimerService}: the Chronos API over two tiers (architecture §4).
 * - Intervals ≥ 60 s: the definition goes to the global table (so either region can pop it)
 *   and the next pop gets a one-time schedule in the local region's EventBridge Scheduler plus a
 *   backup schedule in the remote region `backupMarginMs` later (timer-schedules.ts). The pop
 *   handler (timer-pop.ts) delivers each pop once across both.
 * - Intervals < 60 s: a Durable Object alarm at the edge (timer-precise-client.ts).
 * Every set makes a new generation: schedules of older generations still fire but are dropped
 * by the pop handler, so an update never needs to find and cancel them first. All store calls
 * of one operation run in parallel: setting a timer costs one sequential round trip.
 */
import type { Clock } from '../config/clock'
import type { Logger } from '../log/logger'
import { StoreError, Unavailable } from './errors'
import { type GlobalTable, nextVersion } from './global-table'
import { timerDefinitionKey } from './keys'
import type { RoundTrips } from './round-trips'
import { definitionFromItem, definitionItem, dueAt, type TimerDefinition } from './timer-definition'
import type { PreciseTierClient } from './timer-precise-client'
import {
  createPopSchedule,
  type PopInput,
  type ScheduleSettings,
  type ScheduleTarget,
} from './timer-schedules'
import {
  newTimerId,
  PRECISE_TIER_LIMIT_MS,
  parseTimerId,
  popCount,
  specProblem,
  type TimerService,
  type TimerSpec,
} from './timer-service'

/** EventBridge Scheduler's firing window: a schedule fires within the minute of its at(). */
export const SCHEDULER_WINDOW_MS = 61_000
/** Default delay of the backup schedule after the primary: one Scheduler precision window. */
export const DEFAULT_BACKUP_MARGIN_MS = 60_000

export interface TieredTimerDeps {
  table: GlobalTable
  local: ScheduleTarget
  remote: ScheduleTarget
  settings: ScheduleSettings
  precise: PreciseTierClient
  clock: Clock
  log: Logger
  rt: RoundTrips
  region: string
  backupMarginMs?: number
  /** Set the primary schedule this long before the due time (default 0; see scheduleBoth). */
  primaryLeadMs?: number
  random?: () => number
}

/**
 * Creates the primary (local) and backup (remote) schedules of one pop. With a primary lead,
 * the primary is set that much before the due time, so it always arrives early and the pop
 * handler hands it to the precise tier: millisecond accuracy instead of the Scheduler's minute.
 */
export async function scheduleBoth(
  d: Pick<
    TieredTimerDeps,
    'local' | 'remote' | 'settings' | 'rt' | 'log' | 'backupMarginMs' | 'primaryLeadMs' | 'clock'
  >,
  def: TimerDefinition,
  seq: number
): Promise<void> {
  const input: PopInput = {
    kind: 'edgewater-timer-pop',
    id: def.id,
    generation: def.generation,
    seq,
  }
  const at = dueAt(def, seq)
  const primaryAt = Math.max(at - (d.primaryLeadMs ?? 0), Math.min(at, d.clock.now()))
  const [p, b] = await Promise.allSettled([
    createPopSchedule(d.local, d.settings, input, primaryAt, d.rt),
    createPopSchedule(
      d.remote,
      d.settings,
      input,
      at + (d.backupMarginMs ?? DEFAULT_BACKUP_MARGIN_MS),
      d.rt
    ),
  ])
  if (p.status === 'rejected')
    d.log.warn('local Scheduler refused a pop schedule; the backup region will pop it', {
      timer: def.id,
      seq,
      error: String(p.reason),
    })
  if (b.status === 'rejected')
    d.log.warn('remote Scheduler refused a backup schedule', {
      timer: def.id,
      seq,
      error: String(b.reason),
    })
  if (p.status === 'rejected' && b.status === 'rejected')
    throw new Unavailable(
      `timer ${def.id}: neither region's Scheduler took the schedule`,
      'timers',
      { cause: p.reason }
    )
}

export class TieredTimerService implements TimerService {
  constructor(private readonly d: TieredTimerDeps) {}

  async set(spec: TimerSpec): Promise<string> {
    return this.update(newTimerId(this.d.random), spec)
  }

  async update(id: string, spec: TimerSpec): Promise<string> {
    const canonical = parseTimerId(id)
    if (!canonical) throw new StoreError(`${id} is not a timer id (<16 hex digits>-<n>)`, 'timers')
    const problem = specProblem(spec)
    if (problem) throw new StoreError(problem, 'timers')
    const now = this.d.clock.now()
    const def: TimerDefinition = {
      id: canonical,
      generation: nextVersion(now, undefined, this.d.random),
      startMs: now,
      intervalMs: spec.intervalMs,
      repeatForMs: spec.repeatForMs ?? spec.intervalMs,
      callbackUri: spec.callbackUri,
      opaque: spec.opaque,
      tier: spec.intervalMs < PRECISE_TIER_LIMIT_MS ? 'precise' : 'scheduler',
      region: this.d.region,
    }
    if (def.tier === 'precise') await this.setPrecise(def)
    else await this.setScheduled(def)
    return canonical
  }

  private async setScheduled(def: TimerDefinition): Promise<void> {
    const pops = popCount(def)
    // EventBridge may fire a schedule anywhere in the minute of its at() time, so a primary due
    // within about a minute can fire before the definition is written and be dropped as stale.
    // Such a timer writes its definition first (two sequential round trips); the rest
    // (registration, subscription and interim timers) do everything in parallel (one).
    const firstAt = dueAt(def, 0) - (this.d.primaryLeadMs ?? 0)
    const definitionFirst = pops > 0 && firstAt - this.d.clock.now() < SCHEDULER_WINDOW_MS
    const schedule = () => (pops > 0 ? scheduleBoth(this.d, def, 0) : Promise.resolve())
    const [put, sched, edge] = await Promise.allSettled([
      this.d.table.put(definitionItem(def)),
      definitionFirst ? Promise.resolve() : schedule(),
      // The id may have been a precise timer before this update. Only older generations go:
      // an early pop of this generation may already have been handed to the precise tier.
      this.d.precise.send({ op: 'delete', id: def.id, generation: def.generation }),
    ])
    if (edge.status === 'rejected')
      this.d.log.warn('could not clear a precise timer with the same id', {
        timer: def.id,
        error: String(edge.reason),
      })
    if (put.status === 'rejected') throw put.reason
    if (sched.status === 'rejected') throw sched.reason
    if (definitionFirst) await schedule()
  }

  private async setPrecise(def: TimerDefinition): Promise<void> {
    const [set, del] = await Promise.allSettled([
      this.d.precise.send({
        op: 'set',
        id: def.id,
        generation: def.generation,
        intervalMs: def.intervalMs,
        repeatForMs: def.repeatForMs ?? def.intervalMs,
        callbackUri: def.callbackUri,
        opaque: def.opaque,
      }),
      // A long-tier definition of the same id must stop popping.
      this.d.table.delete(timerDefinitionKey(def.id)),
    ])
    if (del.status === 'rejected')
      this.d.log.warn('could not remove a long-tier definition with the same id', {
        timer: def.id,
        error: String(del.reason),
      })
    if (set.status === 'rejected') throw set.reason
  }

  async delete(id: string): Promise<void> {
    const canonical = parseTimerId(id)
    if (!canonical) throw new StoreError(`${id} is not a timer id (<16 hex digits>-<n>)`, 'timers')
    const [table, edge] = await Promise.allSettled([
      this.d.table.delete(timerDefinitionKey(canonical)),
      this.d.precise.send({ op: 'delete', id: canonical }),
    ])
    if (table.status === 'rejected') throw table.reason
    const old = definitionFromItem(table.value)
    // If the table held a long-tier definition, the edge had nothing to delete.
    if (edge.status === 'rejected' && old?.tier !== 'scheduler') throw edge.reason
  }
}
