/**
 * @module ellis/docs-page
 * The browsable API reference at `/api/docs`: a small HTML page and its script (`/api/docs.js`,
 * no inline script, no external resources) that fetch `/api/openapi.json` and render every
 * operation grouped by tag, with parameters, request bodies, answers and the schemas they
 * reference. Plain semantic HTML: headings, definition lists, `<details>` for schemas.
 */

export const DOCS_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Edgewater Ellis API</title>
<style>
body{font:16px/1.5 system-ui,sans-serif;margin:0 auto;max-width:60rem;padding:1rem;color:#111;background:#fff}
h1{font-size:1.6rem}h2{border-bottom:2px solid #333;margin-top:2rem}
.op{border:1px solid #888;border-radius:4px;margin:1rem 0;padding:.5rem 1rem}
.m{display:inline-block;min-width:4.5rem;font-weight:700;font-family:monospace}
.path{font-family:monospace;font-size:1.05rem}
pre{background:#f3f3f3;padding:.5rem;overflow:auto}
code{font-family:monospace}
a{color:#0645ad}
</style>
</head>
<body>
<main>
<h1>Edgewater Ellis API</h1>
<p>Provisioning API of Edgewater (Clearwater Ellis compatible). Machine-readable:
<a href="/api/openapi.json">/api/openapi.json</a>. Authenticate with the <code>NGV-API-Key</code>
header or the session cookie from <code>POST /api/session</code>.</p>
<div id="docs" aria-live="polite">Loading the API description…</div>
</main>
<script src="/api/docs.js" defer></script>
</body>
</html>
`

export const DOCS_JS = `'use strict';
(async function () {
  var root = document.getElementById('docs');
  function el(tag, text, cls) { var e = document.createElement(tag); if (text) e.textContent = text; if (cls) e.className = cls; return e; }
  var doc;
  try { doc = await (await fetch('/api/openapi.json')).json(); }
  catch (e) { root.textContent = 'Could not load /api/openapi.json: ' + e; return; }
  var schemas = (doc.components && doc.components.schemas) || {};
  function resolve(s) { if (s && s.$ref) { var n = s.$ref.split('/').pop(); return { name: n, schema: schemas[n] }; } return { name: '', schema: s }; }
  function schemaBlock(s) {
    var r = resolve(s); var d = el('details'); d.appendChild(el('summary', r.name ? 'Schema ' + r.name : 'Schema'));
    d.appendChild(el('pre', JSON.stringify(r.schema, null, 2))); return d;
  }
  root.textContent = '';
  var byTag = {};
  Object.keys(doc.paths || {}).forEach(function (path) {
    var item = doc.paths[path];
    Object.keys(item).forEach(function (method) {
      var op = item[method]; var tag = (op.tags && op.tags[0]) || 'other';
      (byTag[tag] = byTag[tag] || []).push({ path: path, method: method, op: op });
    });
  });
  Object.keys(byTag).forEach(function (tag) {
    var sec = el('section'); sec.appendChild(el('h2', tag));
    byTag[tag].forEach(function (x) {
      var art = el('article', '', 'op');
      var h = el('h3'); h.appendChild(el('span', x.method.toUpperCase(), 'm')); h.appendChild(el('span', ' ' + x.path, 'path'));
      art.appendChild(h);
      if (x.op.summary) art.appendChild(el('p', x.op.summary));
      var params = x.op.parameters || [];
      if (params.length) {
        art.appendChild(el('h4', 'Parameters')); var dl = el('dl');
        params.forEach(function (p) { dl.appendChild(el('dt', p.name + ' (' + p.in + (p.required ? ', required' : '') + ')')); dl.appendChild(el('dd', (p.description || '') + (p.example ? ' e.g. ' + p.example : ''))); });
        art.appendChild(dl);
      }
      if (x.op.requestBody && x.op.requestBody.content) {
        art.appendChild(el('h4', 'Request body'));
        Object.keys(x.op.requestBody.content).forEach(function (ct) { art.appendChild(el('p', ct)); art.appendChild(schemaBlock(x.op.requestBody.content[ct].schema)); });
      }
      art.appendChild(el('h4', 'Answers')); var rl = el('dl');
      Object.keys(x.op.responses || {}).forEach(function (code) {
        var resp = x.op.responses[code]; rl.appendChild(el('dt', code)); var dd = el('dd', resp.description || '');
        var c = resp.content && (resp.content['application/json'] || resp.content['application/xml']);
        if (c && c.schema) dd.appendChild(schemaBlock(c.schema));
        rl.appendChild(dd);
      });
      art.appendChild(rl); sec.appendChild(art);
    });
    root.appendChild(sec);
  });
})();
`
