/**
 * @module ellis/ops/ops-metrics-page
 * The HTML of `/ops/metrics` (ops-metrics.ts): one self-contained page (inline script and style,
 * the content security policy allows nothing else) that polls `/ops/api/metrics` every 5 s and
 * draws, per region, SVG line charts of registrations/s, calls/s, failures/s (auth failures and
 * INVITEs answered 4xx–6xx) and call setup p50/p99 over the last 10 minutes.
 */

/** Polls kept (5 s apart: 10 minutes). */
export const HISTORY_POINTS = 120
export const POLL_MS = 5_000

export function opsMetricsPage(): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Edgewater ops: metrics</title>
<style>
body{font:14px system-ui,sans-serif;margin:1.5em;color:#222}
h1{font-size:1.3em}h2{font-size:1.1em;margin-top:1.5em}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(320px,1fr));gap:1em}
.chart{border:1px solid #ccc;border-radius:4px;padding:.5em}
.chart h3{font-size:.95em;margin:0 0 .3em}
svg{width:100%;height:120px;background:#fafafa}
.now{font-variant-numeric:tabular-nums;color:#555}
#status{color:#a00}
</style></head><body>
<h1>Edgewater metrics</h1>
<p><a href="/ops">Call traces</a> · <span id="status"></span></p>
<div id="regions"></div>
<script>
const HISTORY = ${HISTORY_POINTS}
const history = []
const charts = [
  ['registrations/s', (p, q, dt) => (sum(q.registrations) - sum(p.registrations)) / dt],
  ['calls/s', (p, q, dt) => (sum(q.invites) - sum(p.invites)) / dt],
  ['failures/s', (p, q, dt) => (fails(q) - fails(p)) / dt],
  ['setup p50 (ms)', (p, q) => q.setupMs.p50 ?? 0],
  ['setup p99 (ms)', (p, q) => q.setupMs.p99 ?? 0],
]
function sum(o) { return Object.values(o || {}).reduce((a, b) => a + b, 0) }
function fails(r) {
  const i = r.invites || {}
  return r.authFailures + (i['4xx'] || 0) + (i['5xx'] || 0) + (i['6xx'] || 0)
}
function series(region, f) {
  const out = []
  for (let k = 1; k < history.length; k++) {
    const p = history[k - 1].regions[region], q = history[k].regions[region]
    if (!p || !q) continue
    const dt = (history[k].at - history[k - 1].at) / 1000 || 1
    out.push(Math.max(0, f(p, q, dt)))
  }
  return out
}
function svg(values) {
  const max = Math.max(1e-9, ...values)
  const w = 300, h = 100
  const pts = values.map((v, i) => ((i / Math.max(1, HISTORY - 1)) * w).toFixed(1) + ',' + (h - (v / max) * (h - 5)).toFixed(1))
  return '<svg viewBox="0 0 ' + w + ' ' + h + '" preserveAspectRatio="none"><polyline fill="none" stroke="#2563eb" stroke-width="1.5" points="' + pts.join(' ') + '"/></svg>'
}
function render() {
  const last = history[history.length - 1]
  if (!last) return
  const html = Object.keys(last.regions).sort().map((region) => {
    const cells = charts.map(([title, f]) => {
      const v = series(region, f)
      const now = v.length ? v[v.length - 1] : 0
      return '<div class="chart"><h3>' + title + ' <span class="now">' + now.toFixed(title.includes('ms') ? 0 : 2) + '</span></h3>' + svg(v) + '</div>'
    }).join('')
    return '<h2>Region ' + region + '</h2><div class="grid">' + cells + '</div>'
  }).join('')
  document.getElementById('regions').innerHTML = html
  const down = Object.entries(last.up).filter(([, ok]) => !ok).map(([k]) => k)
  document.getElementById('status').textContent = down.length ? 'not answering: ' + down.join(', ') : ''
}
async function poll() {
  try {
    const res = await fetch('/ops/api/metrics', { credentials: 'same-origin' })
    if (res.status === 403) { location.href = '/ops'; return }
    history.push(await res.json())
    if (history.length > HISTORY) history.shift()
    render()
  } catch (e) {
    document.getElementById('status').textContent = 'metrics unavailable: ' + e
  }
}
poll()
setInterval(poll, ${POLL_MS})
</script></body></html>`
}
