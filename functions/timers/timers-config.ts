/**
 * @module timers/timers-config
 * The timers function's own settings, read from its raw bindings (optional; defaults apply):
 * - `TIMER_BACKUP_MARGIN_S`: delay of the backup schedule in the remote region after the
 *   primary (default 60 s, one Scheduler precision window);
 * - `TIMER_PRIMARY_LEAD_S`: set primary schedules this long before the due time so that every
 *   long-tier pop is finished by the precise tier to the millisecond (default 0: the pop lands
 *   within the Scheduler's minute, never early);
 * - `TIMER_MAX_DURATION_S`: the longest `interval` and `repeat-for` the Chronos API accepts
 *   (default 2 592 000 s, 30 days; at most 10 years): a longer one is 400, not a schedule the
 *   Scheduler or the table refuses (503/500);
 * - `TIMER_MAX_OPAQUE_BYTES`: the largest `opaque` (default 16 384 bytes of UTF-8; the precise
 *   tier's edge route takes bodies up to 256 KiB, the table items up to 400 KB).
 */
import { z } from 'zod'
import { parseCachedConfig } from '../../shared/config/cached-config'
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

export const DEFAULT_MAX_DURATION_S = 30 * 24 * 3600
export const DEFAULT_MAX_OPAQUE_BYTES = 16_384

export interface ChronosLimits {
  maxDurationS: number
  maxOpaqueBytes: number
}

const limitsSchema = z.object({
  TIMER_MAX_DURATION_S: z.coerce
    .number()
    .int()
    .min(3600)
    .max(10 * 365 * 24 * 3600)
    .optional(),
  TIMER_MAX_OPAQUE_BYTES: z.coerce.number().int().min(1_024).max(131_072).optional(),
})

const parseChronosLimits = parseCachedConfig(
  limitsSchema,
  'timers',
  (data): ChronosLimits => ({
    maxDurationS: data.TIMER_MAX_DURATION_S ?? DEFAULT_MAX_DURATION_S,
    maxOpaqueBytes: data.TIMER_MAX_OPAQUE_BYTES ?? DEFAULT_MAX_OPAQUE_BYTES,
  })
)

/** The Chronos API's limits from the bindings; throws naming a bad setting. */
export function chronosLimits(env: RawEnv | undefined): ChronosLimits {
  return parseChronosLimits(env ?? {})
}
