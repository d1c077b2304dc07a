/**
 * @module vellum/timer-definition
 * How a timer is kept in the global table so that either region can pop it: the spec, when it
 * started, which generation it is (every set/update makes a new one, so pops scheduled for an
 * older generation are recognised as stale and dropped) and its tier. Plus the pop record, the
 * conditional write that makes each pop of each generation happen once across both regions.
 */
import { ttlFromNow } from './global-table'
import { timerDefinitionKey, timerPopKey } from './keys'
import type { TimerSpec } from './timer-service'

export type TimerTier = 'scheduler' | 'precise'

export interface TimerDefinition extends TimerSpec {
  id: string
  generation: number
  startMs: number
  tier: TimerTier
  /** Region whose request created this generation. */
  region: string
}

/** How long definitions and pop records outlive the timer's last pop (seconds). */
export const TIMER_RECORD_GRACE_S = 86_400

export function definitionItem(def: TimerDefinition) {
  const repeatFor = def.repeatForMs ?? def.intervalMs
  return {
    ...timerDefinitionKey(def.id),
    id: def.id,
    generation: def.generation,
    startMs: def.startMs,
    tier: def.tier,
    region: def.region,
    intervalMs: def.intervalMs,
    repeatForMs: repeatFor,
    callbackUri: def.callbackUri,
    opaque: def.opaque,
    ttl: ttlFromNow(def.startMs + repeatFor, TIMER_RECORD_GRACE_S),
  }
}

export function definitionFromItem(
  it: Record<string, unknown> | undefined
): TimerDefinition | undefined {
  if (!it) return undefined
  const num = (k: string) => (typeof it[k] === 'number' ? (it[k] as number) : undefined)
  const str = (k: string) => (typeof it[k] === 'string' ? (it[k] as string) : undefined)
  const id = str('id')
  const generation = num('generation')
  const startMs = num('startMs')
  const intervalMs = num('intervalMs')
  const callbackUri = str('callbackUri')
  const opaque = str('opaque')
  const tier = str('tier')
  if (!id || generation === undefined || startMs === undefined || intervalMs === undefined)
    return undefined
  if (
    callbackUri === undefined ||
    opaque === undefined ||
    (tier !== 'scheduler' && tier !== 'precise')
  )
    return undefined
  const repeatForMs = num('repeatForMs')
  return {
    id,
    generation,
    startMs,
    intervalMs,
    ...(repeatForMs !== undefined ? { repeatForMs } : {}),
    callbackUri,
    opaque,
    tier,
    region: str('region') ?? '',
  }
}

/** When pop `seq` of a definition is due (ms). */
export function dueAt(def: Pick<TimerDefinition, 'startMs' | 'intervalMs'>, seq: number): number {
  return def.startMs + (seq + 1) * def.intervalMs
}

export type PopState = 'claimed' | 'done'

/** The pop record: claimed (with a lease) while a region delivers it, done afterwards. */
export function popItem(
  id: string,
  generation: number,
  seq: number,
  state: PopState,
  region: string,
  leaseUntil: number,
  nowMs: number,
  token?: string
) {
  return {
    ...timerPopKey(id, generation, seq),
    state,
    region,
    leaseUntil,
    ...(token ? { token } : {}),
    ttl: ttlFromNow(nowMs, TIMER_RECORD_GRACE_S),
  }
}
