/**
 * @module timers/timers-config
 * The timers function's own settings, read from its raw bindings (optional; defaults apply):
 * - `TIMER_BACKUP_MARGIN_S`: delay of the backup schedule in the remote region after the
 *   primary (default 60 s, one Scheduler precision window);
 * - `TIMER_PRIMARY_LEAD_S`: set primary schedules this long before the due time so that every
 *   long-tier pop is finished by the precise tier to the millisecond (default 0: the pop lands
 *   within the Scheduler's minute, never early).
 */
import type { RawEnv } from '../../shared/config/function-env'
import type { VellumOptions } from '../../shared/vellum'
import { DEFAULT_BACKUP_MARGIN_MS } from '../../shared/vellum/timers-tiered'

function seconds(env: RawEnv | undefined, name: string): number | undefined {
  const raw = env?.[name]
  const s = typeof raw === 'string' || typeof raw === 'number' ? Number(raw) : Number.NaN
  return Number.isFinite(s) && s >= 0 ? s * 1000 : undefined
}

export function backupMarginMs(env: RawEnv | undefined): number {
  return seconds(env, 'TIMER_BACKUP_MARGIN_S') ?? DEFAULT_BACKUP_MARGIN_MS
}

/** The Vellum options the timers function's settings imply. */
export function timerOptions(env: RawEnv | undefined): VellumOptions {
  const lead = seconds(env, 'TIMER_PRIMARY_LEAD_S')
  return {
    backupMarginMs: backupMarginMs(env),
    ...(lead !== undefined ? { primaryLeadMs: lead } : {}),
  }
}
