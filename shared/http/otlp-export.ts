/**
 * @module http/otlp-export
 * Sends trace records to an OpenTelemetry collector as OTLP/HTTP JSON (`OTLP_URL`, off when
 * unset; docs/operations.md#traces): one `POST` of an `ExportTraceServiceRequest`
 * (shared/trace/otlp.ts) per batch the trace store is given, after the SIP answer. A collector
 * that does not answer within the timeout or refuses the batch is logged; nothing is retried.
 */
import type { Fetch } from '../hop/fetch'
import type { Logger } from '../log/logger'
import { otlpPayload } from '../trace/otlp'
import { newSpanId } from '../trace/trace-context'
import type { TraceRecord } from '../trace/trace-record'

export const OTLP_TIMEOUT_MS = 2_000

export async function exportSpans(
  url: string,
  records: readonly TraceRecord[],
  fetchFn: Fetch,
  log: Logger
): Promise<void> {
  if (records.length === 0) return
  const body = JSON.stringify(
    otlpPayload(records, () => newSpanId((b) => crypto.getRandomValues(b)))
  )
  try {
    const res = await fetchFn(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
      signal: AbortSignal.timeout(OTLP_TIMEOUT_MS),
    })
    await res.body?.cancel()
    if (!res.ok) log.warn('OTLP export refused', { status: res.status })
  } catch (err) {
    log.warn('OTLP export failed', { error: String(err) })
  }
}
