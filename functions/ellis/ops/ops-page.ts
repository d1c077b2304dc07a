/**
 * @module ellis/ops/ops-page
 * The ops page (`GET /ops`, docs/operations.md#traces): an operator logs in with the API key,
 * finds a call by Call-ID or the calls of an IMPU in the last hour/day, and sees the call as a
 * SIP ladder diagram (one column per party and component, one arrow per message with the time
 * since the previous one; choosing an arrow shows the whole message). It also turns full tracing
 * on and off per IMPU. One HTML document with its script inline (the page's CSP allows nothing
 * else); all data comes from `/ops/api` and is put in the page as text, never as markup.
 */

const STYLE = `
body{font:14px system-ui,sans-serif;margin:0;color:#1d2330;background:#f6f7f9}
header{background:#1d2330;color:#fff;padding:10px 20px;display:flex;justify-content:space-between;align-items:center}
main{padding:16px 20px}
section{background:#fff;border:1px solid #d8dce3;border-radius:6px;padding:12px;margin-bottom:14px}
input,select,button{font:inherit;padding:4px 8px}
#calls li{cursor:pointer;color:#1a56c4}
#ladder svg text{font:12px ui-monospace,monospace}
.arrow{cursor:pointer}
.arrow:hover line{stroke-width:3}
.arrow.failure line{stroke:#c0392b}
.arrow.failure text.label{fill:#c0392b}
.arrow.chosen line{stroke:#1a56c4;stroke-width:3}
pre{background:#10141c;color:#d6e2f0;padding:10px;border-radius:4px;overflow:auto;max-height:360px;white-space:pre-wrap}
.error{color:#c0392b}
`

const SCRIPT = `
const $ = (id) => document.getElementById(id)
const svgNs = 'http://www.w3.org/2000/svg'
function el(name, attrs, text) {
  const e = document.createElementNS(svgNs, name)
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v))
  if (text !== undefined) e.textContent = text
  return e
}
async function api(path, init) {
  const res = await fetch('/ops/api' + path, { credentials: 'same-origin', ...init })
  const body = await res.json().catch(() => ({}))
  if (!res.ok) throw new Error(body.reason || body.error || ('HTTP ' + res.status))
  return body
}
function status(text, isError) {
  const s = $('status')
  s.textContent = text
  s.className = isError ? 'error' : ''
}
function drawLadder(data) {
  const { columns, arrows } = data.ladder
  const colW = 170, left = 90, top = 50, rowH = 30
  const width = left + columns.length * colW
  const height = top + arrows.length * rowH + 30
  const svg = el('svg', { width, height, id: 'ladder-svg', 'data-columns': columns.length, 'data-arrows': arrows.length })
  const defs = el('defs', {})
  const marker = el('marker', { id: 'head', markerWidth: 10, markerHeight: 8, refX: 9, refY: 4, orient: 'auto', markerUnits: 'userSpaceOnUse' })
  marker.appendChild(el('path', { d: 'M0,0 L10,4 L0,8 z', fill: 'currentColor' }))
  defs.appendChild(marker)
  svg.appendChild(defs)
  const x = (i) => left + i * colW + colW / 2
  columns.forEach((c, i) => {
    const t = el('text', { x: x(i), y: 20, 'text-anchor': 'middle', class: 'column' }, c.label)
    svg.appendChild(t)
    svg.appendChild(el('line', { x1: x(i), y1: 30, x2: x(i), y2: height - 10, stroke: '#9aa3b2', 'stroke-dasharray': '4 3' }))
  })
  arrows.forEach((a, k) => {
    const y = top + k * rowH
    const g = el('g', { class: 'arrow' + (a.failure ? ' failure' : ''), 'data-record': a.record, 'data-label': a.label, color: a.failure ? '#c0392b' : '#1d2330' })
    const x1 = x(a.from), x2 = x(a.to)
    if (x1 === x2) {
      g.appendChild(el('path', { d: 'M' + x1 + ',' + (y - 8) + ' h30 v12 h-28', fill: 'none', stroke: 'currentColor', 'marker-end': 'url(#head)' }))
    } else {
      g.appendChild(el('line', { x1, y1: y, x2: x2 + (x2 > x1 ? -2 : 2), y2: y, stroke: 'currentColor', 'stroke-width': 1.6, 'marker-end': 'url(#head)' }))
    }
    g.appendChild(el('text', { x: (x1 + x2) / 2, y: y - 5, 'text-anchor': 'middle', class: 'label' }, a.label))
    g.appendChild(el('rect', { x: Math.min(x1, x2), y: y - 18, width: Math.max(Math.abs(x2 - x1), 30), height: 24, fill: 'transparent' }))
    svg.appendChild(el('text', { x: 4, y: y + 4, class: 'delta', fill: '#6b7385' }, '+' + a.sincePrevious + ' ms'))
    g.addEventListener('click', () => {
      for (const o of svg.querySelectorAll('.arrow.chosen')) o.classList.remove('chosen')
      g.classList.add('chosen')
      const r = data.records[a.record]
      $('message-meta').textContent = r.component + ' ' + r.region + ' · ' + r.from + ' → ' + r.to + ' · ' + new Date(r.at).toISOString()
      $('message').textContent = r.message
    })
    svg.appendChild(g)
  })
  const box = $('ladder')
  box.replaceChildren(svg)
}
async function showCall(callId) {
  status('loading ' + callId + ' …')
  try {
    const data = await api('/traces/' + encodeURIComponent(callId))
    $('call-title').textContent = 'Call ' + data.callId + ' · trace ' + data.traceIds.join(', ')
    drawLadder(data)
    $('message').textContent = ''
    $('message-meta').textContent = 'choose an arrow to see its message'
    status(data.records.length + ' messages')
  } catch (e) {
    $('ladder').replaceChildren()
    status(String(e.message || e), true)
  }
}
async function searchImpu(impu, since) {
  status('searching ' + impu + ' …')
  try {
    const data = await api('/traces?impu=' + encodeURIComponent(impu) + '&since=' + encodeURIComponent(since))
    const list = $('calls')
    list.replaceChildren()
    for (const c of data.calls) {
      const li = document.createElement('li')
      li.textContent = new Date(c.at).toISOString() + '  ' + c.callId + '  (' + c.impus.join(', ') + ')'
      li.addEventListener('click', () => showCall(c.callId))
      list.appendChild(li)
    }
    status(data.calls.length + ' calls')
  } catch (e) {
    status(String(e.message || e), true)
  }
}
async function loadFlags() {
  try {
    const data = await api('/flags')
    const list = $('flags')
    list.replaceChildren()
    for (const f of data.flags) {
      const li = document.createElement('li')
      li.textContent = f.impu + ' until ' + new Date(f.until).toISOString() + ' '
      const b = document.createElement('button')
      b.textContent = 'stop'
      b.addEventListener('click', async () => { await api('/flags/' + encodeURIComponent(f.impu), { method: 'DELETE' }); loadFlags() })
      li.appendChild(b)
      list.appendChild(li)
    }
  } catch (e) {
    status(String(e.message || e), true)
  }
}
$('by-call').addEventListener('submit', (ev) => { ev.preventDefault(); showCall($('call-id').value.trim()) })
$('by-impu').addEventListener('submit', (ev) => { ev.preventDefault(); searchImpu($('impu').value.trim(), $('since').value) })
$('flag-form').addEventListener('submit', async (ev) => {
  ev.preventDefault()
  try {
    await api('/flags/' + encodeURIComponent($('flag-impu').value.trim()), { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ hours: Number($('flag-hours').value) }) })
    loadFlags()
  } catch (e) { status(String(e.message || e), true) }
})
loadFlags()
const wanted = new URLSearchParams(location.search).get('call')
if (wanted) { $('call-id').value = wanted; showCall(wanted) }
`

function loginPage(failed: boolean): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Edgewater ops · login</title><style>${STYLE}</style></head>
<body><header><strong>Edgewater ops</strong></header><main><section>
<h2>Operator login</h2>
${failed ? '<p class="error" id="login-error">That key was not accepted.</p>' : ''}
<form method="post" action="/ops/login" id="login">
<label>API key <input type="password" name="api_key" id="api-key" autocomplete="current-password" required></label>
<button type="submit">Log in</button></form></section></main></body></html>`
}

function appPage(): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Edgewater ops · traces</title><style>${STYLE}</style></head>
<body><header><strong>Edgewater ops · call traces</strong><form method="post" action="/ops/logout"><button type="submit">Log out</button></form></header>
<main>
<section><form id="by-call"><label>Call-ID <input id="call-id" size="48" required></label> <button type="submit" id="find-call">Show call</button></form>
<form id="by-impu"><label>IMPU <input id="impu" size="36" placeholder="sip:alice@example.com" required></label>
<select id="since"><option value="1h">last hour</option><option value="24h">last day</option><option value="7d">last week</option></select>
<button type="submit">Find calls</button></form><ul id="calls"></ul><p id="status"></p></section>
<section><h3 id="call-title">No call chosen</h3><div id="ladder"></div>
<p id="message-meta"></p><pre id="message"></pre></section>
<section><h3>Full tracing per IMPU</h3><form id="flag-form"><input id="flag-impu" size="36" placeholder="sip:alice@example.com" required>
for <input id="flag-hours" type="number" min="1" max="168" value="24"> hours <button type="submit">Trace everything</button></form><ul id="flags"></ul></section>
</main><script>${SCRIPT}</script></body></html>`
}

export function opsPage(o: { operator: boolean; failed: boolean }): string {
  return o.operator ? appPage() : loginPage(o.failed)
}
