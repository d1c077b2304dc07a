/**
 * @module timers/chronos-body
 * The Chronos request body (clearwater-interfaces §4.1), validated with zod: `timing.interval`
 * (seconds, mandatory, fractions allowed for the precise tier), `timing.repeat-for` (seconds,
 * default one pop), `callback.http.uri` and `callback.http.opaque`; `reliability` and
 * `statistics` are accepted and ignored (replication is the store's business here).
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

export function parseChronosBody(text: string): ParsedBody {
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
