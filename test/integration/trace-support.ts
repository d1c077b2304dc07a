/**
 * Helpers of the call-trace tests: the ops API through an edge with the API key, and waiting
 * for a call's records to land (they are written after each hop's answer).
 */

import type { CallTrace } from '../../cli/commands/trace-api'
import type { Region } from '../../shared/config/regions'
import { endpoints } from '../support/cloud'

export async function ops(
  path: string,
  init: { method?: string; body?: unknown; region?: Region } = {}
): Promise<{ status: number; body: unknown }> {
  const e = endpoints()
  const res = await fetch(`${e.edges[init.region ?? 'a']}/ops/api${path}`, {
    method: init.method ?? 'GET',
    headers: {
      'NGV-API-Key': e.ellisApiKey,
      ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
  })
  const text = await res.text()
  let body: unknown = text
  try {
    body = JSON.parse(text)
  } catch {
    // not JSON
  }
  return { status: res.status, body }
}

/** IMPUs a test put on full tracing, to clear when it ends ({@link unflagAll}). */
const flagged = new Set<string>()

/** Full tracing for `impu` (the ops API announces it to both regions' Sprout). */
export async function flag(impu: string): Promise<void> {
  flagged.add(impu)
  const r = await ops(`/flags/${encodeURIComponent(impu)}`, { method: 'PUT', body: { hours: 1 } })
  if (r.status !== 200) throw new Error(`flag ${impu}: ${r.status} ${JSON.stringify(r.body)}`)
}

/**
 * The call's trace once `done(trace)` holds and no more records are landing (each hop writes its
 * batch after its answer, in no set order: three reads 250 ms apart with the same record count),
 * or the last one seen when that never happens within `timeoutMs`.
 */
export async function traceOf(
  callId: string,
  done: (t: CallTrace) => boolean,
  timeoutMs = 10_000
): Promise<CallTrace | undefined> {
  const until = Date.now() + timeoutMs
  let last: CallTrace | undefined
  let steady = 0
  for (;;) {
    const r = await ops(`/traces/${encodeURIComponent(callId)}`)
    if (r.status === 200) {
      const seen = r.body as CallTrace
      steady = last && seen.records.length === last.records.length ? steady + 1 : 0
      last = seen
      if (done(last) && steady >= 2) return last
    }
    if (Date.now() > until) return last
    await new Promise((res) => setTimeout(res, 250))
  }
}

/** `from>to label` of each arrow, in order. */
export const arrowsOf = (t: CallTrace) =>
  t.ladder.arrows.map(
    (a) => `${t.ladder.columns[a.from]!.id}>${t.ladder.columns[a.to]!.id} ${a.label}`
  )

/** Notes an IMPU flagged another way (the ops page) for {@link unflagAll}. */
export function noteFlagged(impu: string): void {
  flagged.add(impu)
}

/** Takes every IMPU a test flagged back to sampling. */
export async function unflagAll(): Promise<void> {
  for (const impu of flagged) await ops(`/flags/${encodeURIComponent(impu)}`, { method: 'DELETE' })
  flagged.clear()
}
