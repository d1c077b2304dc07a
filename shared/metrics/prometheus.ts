/**
 * @module metrics/prometheus
 * The Prometheus text exposition format 0.0.4 of a {@link MetricsSnapshot}: `# HELP` and
 * `# TYPE` per family, histograms as cumulative `_bucket{le=…}` series with `_sum` and `_count`.
 * Label values are escaped (backslash, double quote, newline). Pure.
 */
import type { MetricsSnapshot } from './snapshot'

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8'

function escapeValue(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')
}

function escapeHelp(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')
}

function labelText(labels: Record<string, string>, extra?: [string, string]): string {
  const pairs = Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : 1))
  if (extra) pairs.push(extra)
  if (pairs.length === 0) return ''
  return `{${pairs.map(([k, v]) => `${k}="${escapeValue(v)}"`).join(',')}}`
}

function num(n: number): string {
  if (n === Number.POSITIVE_INFINITY) return '+Inf'
  return Number.isInteger(n) ? String(n) : String(Number(n.toFixed(6)))
}

/** The exposition text, families in name order, series in label order. */
export function toPrometheus(snap: MetricsSnapshot): string {
  const lines: string[] = []
  const families = [...snap.families].sort((a, b) => (a.name < b.name ? -1 : 1))
  for (const f of families) {
    lines.push(`# HELP ${f.name} ${escapeHelp(f.help)}`)
    lines.push(`# TYPE ${f.name} ${f.type}`)
    const series = [...f.series].sort((a, b) =>
      labelText(a.labels) < labelText(b.labels) ? -1 : 1
    )
    for (const s of series) {
      if ('value' in s) {
        lines.push(`${f.name}${labelText(s.labels)} ${num(s.value)}`)
        continue
      }
      if (f.type !== 'histogram') continue
      let cumulative = 0
      f.buckets.forEach((le, i) => {
        cumulative += s.counts[i] ?? 0
        lines.push(`${f.name}_bucket${labelText(s.labels, ['le', num(le)])} ${cumulative}`)
      })
      lines.push(`${f.name}_bucket${labelText(s.labels, ['le', '+Inf'])} ${s.count}`)
      lines.push(`${f.name}_sum${labelText(s.labels)} ${num(s.sum)}`)
      lines.push(`${f.name}_count${labelText(s.labels)} ${s.count}`)
    }
  }
  return `${lines.join('\n')}\n`
}
