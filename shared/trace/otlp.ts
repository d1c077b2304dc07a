/**
 * @module trace/otlp
 * Trace records as an OTLP/HTTP JSON `ExportTraceServiceRequest` (OpenTelemetry protocol
 * specification, "OTLP/HTTP", JSON encoding: trace and span ids as hex strings, times as
 * decimal-string nanoseconds, enums as integers). One span per record: a message sent is a
 * CLIENT span (kind 3), one received a SERVER span (kind 2); the span's parent is the hop span
 * that recorded it. Pure.
 */
import type { TraceRecord } from './trace-record'

export interface OtlpAttribute {
  key: string
  value: { stringValue: string } | { intValue: string }
}

export interface OtlpSpan {
  traceId: string
  spanId: string
  parentSpanId: string
  name: string
  kind: 2 | 3
  startTimeUnixNano: string
  endTimeUnixNano: string
  attributes: OtlpAttribute[]
  status: { code: 0 | 2 }
}

export interface OtlpPayload {
  resourceSpans: Array<{
    resource: { attributes: OtlpAttribute[] }
    scopeSpans: Array<{ scope: { name: string }; spans: OtlpSpan[] }>
  }>
}

const str = (key: string, v: string): OtlpAttribute => ({ key, value: { stringValue: v } })
const int = (key: string, v: number): OtlpAttribute => ({ key, value: { intValue: String(v) } })

/**
 * The payload for `records`, grouped by recording component and region (`service.name`
 * `edgewater-<component>`). `spanIdOf(i)` gives each record's own span id (8 random bytes, hex).
 */
export function otlpPayload(
  records: readonly TraceRecord[],
  spanIdOf: (i: number) => string
): OtlpPayload {
  const groups = new Map<string, OtlpSpan[]>()
  records.forEach((r, i) => {
    const key = `${r.component} ${r.region}`
    const nanos = `${BigInt(r.at) * 1_000_000n}`
    const attributes = [
      str('sip.call_id', r.callId),
      str('edgewater.from', r.from),
      str('edgewater.to', r.to),
      str('edgewater.direction', r.direction),
    ]
    if (r.method) attributes.push(str('sip.method', r.method))
    if (r.status !== undefined) attributes.push(int('sip.status_code', r.status))
    if (r.flow) attributes.push(str('edgewater.flow', r.flow))
    const span: OtlpSpan = {
      traceId: r.traceId,
      spanId: spanIdOf(i),
      parentSpanId: r.spanId,
      name:
        r.kind === 'sip'
          ? `${r.direction === 'out' ? 'send' : 'receive'} ${r.summary.split(' ').slice(0, 2).join(' ')}`
          : r.summary,
      kind: r.direction === 'out' ? 3 : 2,
      startTimeUnixNano: nanos,
      endTimeUnixNano: nanos,
      attributes,
      status: { code: r.status !== undefined && r.status >= 400 ? 2 : 0 },
    }
    const list = groups.get(key) ?? []
    list.push(span)
    groups.set(key, list)
  })
  return {
    resourceSpans: [...groups].map(([key, spans]) => {
      const [component, region] = key.split(' ') as [string, string]
      return {
        resource: {
          attributes: [str('service.name', `edgewater-${component}`), str('cloud.region', region)],
        },
        scopeSpans: [{ scope: { name: 'edgewater.trace' }, spans }],
      }
    }),
  }
}
