/**
 * @module timers/timers-config
 * The timers function's own settings, read from its raw bindings (optional; defaults apply):
 * `TIMER_BACKUP_MARGIN_S`, the delay of the backup schedule in the remote region after the
 * primary (default 60 s, one Scheduler precision window).
 */
import type { RawEnv } from '../../shared/config/function-env'
import { DEFAULT_BACKUP_MARGIN_MS } from '../../shared/vellum/timers-tiered'

export function backupMarginMs(env: RawEnv | undefined): number {
  const raw = env?.TIMER_BACKUP_MARGIN_S
  const s = typeof raw === 'string' || typeof raw === 'number' ? Number(raw) : Number.NaN
  return Number.isFinite(s) && s >= 0 ? s * 1000 : DEFAULT_BACKUP_MARGIN_MS
}
