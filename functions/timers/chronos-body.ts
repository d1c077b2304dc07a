/**
 * @module timers/chronos-body
 * The Chronos request body (clearwater-interfaces §4.1), validated with zod: `timing.interval`
 * (seconds, mandatory, fractions allowed for the precise tier), `timing.repeat-for` (seconds,
 * default one pop), `callback.http.uri` and `callback.http.opaque`; `reliability` and
 * `statistics` are accepted and ignored (replication is the store's business here). Durations
 * and the opaque are bounded by the limits of timers-config.ts.
 */
import { z } from 'zod'
import type { TimerSpec } from '../../shared/vellum'

const body = z.object({
  timing: z.object({
    interval: z
      .number({ error: 'timing.interval must be a number of seconds' })
      .positive('timing.interval must be positive'),
    'repeat-for': z
      .number({ error: 'timing.repeat-for must be a number of seconds' })
      .nonnegative()
      .optional(),
  }),
  callback: z.object({
    http: z.object({
      uri: z.string({ error: 'callback.http.uri must be a string' }).min(1),
      opaque: z.string({ error: 'callback.http.opaque must be a string' }),
    }),
  }),
  reliability: z.unknown().optional(),
  statistics: z.unknown().optional(),
})

export type ParsedBody = { ok: true; spec: TimerSpec } | { ok: false; error: string }

/** Limits beyond the body's shape (timers-config.ts); none when not given. */
export interface BodyLimits {
  maxDurationS: number
  maxOpaqueBytes: number
}

const NO_LIMITS: BodyLimits = { maxDurationS: Number.MAX_VALUE, maxOpaqueBytes: Infinity }

export function parseChronosBody(text: string, limits: BodyLimits = NO_LIMITS): ParsedBody {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    return { ok: false, error: 'body is not JSON' }
  }
  const r = body.safeParse(json)
  if (!r.success) {
    const issue = r.error.issues[0]
    const where = issue?.path.join('.') || '(body)'
    return { ok: false, error: `${where}: ${issue?.message ?? 'invalid'}` }
  }
  const t = r.data.timing
  for (const [field, v] of [
    ['timing.interval', t.interval],
    ['timing.repeat-for', t['repeat-for']],
  ] as const)
    if (v !== undefined && v > limits.maxDurationS)
      return { ok: false, error: `${field}: must be at most ${limits.maxDurationS} seconds` }
  if (new TextEncoder().encode(r.data.callback.http.opaque).length > limits.maxOpaqueBytes)
    return {
      ok: false,
      error: `callback.http.opaque: must be at most ${limits.maxOpaqueBytes} bytes`,
    }
  return {
    ok: true,
    spec: {
      intervalMs: Math.round(t.interval * 1000),
      ...(t['repeat-for'] !== undefined ? { repeatForMs: Math.round(t['repeat-for'] * 1000) } : {}),
      callbackUri: r.data.callback.http.uri,
      opaque: r.data.callback.http.opaque,
    },
  }
}
