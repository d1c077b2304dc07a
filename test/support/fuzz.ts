/**
 * Fuzzing kit for the HTTP APIs (issue 14, "Trust boundary"). Each API describes its requests as
 * {@link Template}s (a well-formed request); the fast-check arbitrary {@link fuzzRequest} mutates
 * one: its JSON or XML body (wrong types, missing and extra fields, huge strings, deep nesting,
 * invalid UTF-8, other encodings, wrong content types), its headers, its method and its path
 * (encoded slashes, dot segments, very long segments, unicode, malformed escapes). The sender
 * uses node:http, so a path reaches the server byte for byte as generated (fetch would resolve
 * dot segments first), signs for the trusted zone when asked, and reports a hang as "no answer in
 * 10 s". {@link runFuzz} samples a seeded run, sends it and returns every input whose answer was
 * a 5xx, a 4xx without a reason, a dropped connection or no answer.
 */
import { writeFileSync } from 'node:fs'
import http from 'node:http'
import fc from 'fast-check'
import { SIGNATURE_HEADER, signRequest, TIMESTAMP_HEADER } from '../../shared/hop/signature'

/** A well-formed request of an API; segments are already percent-encoded. */
export interface Template {
  name: string
  method: string
  segments: string[]
  query?: string
  body?: { kind: 'json'; value: unknown } | { kind: 'xml'; value: string }
  headers?: Record<string, string>
}

export type Signing = 'good' | 'none' | 'bad'

export interface FuzzRequest {
  template: string
  method: string
  /** The request target exactly as sent. */
  path: string
  headers: Record<string, string>
  body: Buffer | undefined
  signing: Signing
  /** What was done to the template, for the report. */
  mutations: string[]
}

/** No answer (status line and, for an error, its body) within this is a hang. */
export const HANG_MS = 10_000

/** The seed of this run: `FUZZ_SEED` or a fixed one, so a failure can be replayed. */
export const fuzzSeed = (): number => Number(process.env.FUZZ_SEED ?? 140_614)
/** Inputs per API: `FUZZ_RUNS` or the given default. */
export const fuzzRuns = (fallback: number): number => Number(process.env.FUZZ_RUNS ?? fallback)

// ---------------------------------------------------------------- values

const hugeString = fc
  .integer({ min: 4_096, max: 300_000 })
  .chain((n) => fc.constantFrom('a', 'é', '😀', '<', '\\u0000', '%').map((c) => ({ n, c })))
  .map(({ n, c }) => c.repeat(Math.ceil(n / c.length)))

const nastyString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom(
    '',
    ' ',
    '\u0000',
    '../../etc/passwd',
    'sip:',
    'tel:+',
    'sip:a@b;lr?x=<>',
    '\ud800',
    '\u202e',
    '$' + '{jndi:x}',
    '<![CDATA[x]]>',
    '%00',
    '__proto__',
    'constructor',
    '1e999',
    'NaN',
    'true'
  ),
  hugeString
)

/** Numbers at the edges of what stores, dates and Unsigned32 fields hold. */
const edgeNumber = fc.constantFrom(
  1e12,
  1e300,
  1e-300,
  -1e-300,
  2 ** 31,
  2 ** 32,
  2 ** 63,
  8.64e15,
  -0,
  0.0001,
  -1,
  1e308
)

/** A value of some JSON type, often not the one the API expects. */
const wrongValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(null, true, false, 0, -1, 1.5, 1e308, -1e308, 2 ** 53 + 1, [], {}, ''),
  edgeNumber,
  nastyString,
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 5 }),
  fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 5 }),
  fc.integer({ min: 50, max: 1_000 }).map((d) => deepJson(d))
)

function deepJson(depth: number): unknown {
  let v: unknown = 'bottom'
  for (let i = 0; i < depth; i++) v = i % 2 ? [v] : { a: v }
  return v
}

// ---------------------------------------------------------------- JSON bodies

type JsonPath = Array<string | number>

/** Paths to the nodes of `v`, down to a depth of 16 (deep values are mutated as a whole). */
function jsonPaths(v: unknown, at: JsonPath = [], out: JsonPath[] = []): JsonPath[] {
  out.push(at)
  if (at.length >= 16) return out
  if (Array.isArray(v)) {
    for (const [i, x] of v.entries()) jsonPaths(x, [...at, i], out)
  } else if (v && typeof v === 'object')
    for (const [k, x] of Object.entries(v)) jsonPaths(x, [...at, k], out)
  return out
}

function clone<T>(v: T): T {
  return v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T)
}

/** Returns a copy of `root` with the node at `path` replaced (or deleted when `to` is absent). */
function setAt(root: unknown, path: JsonPath, to: { value?: unknown; remove?: boolean }): unknown {
  if (path.length === 0) return to.remove ? undefined : to.value
  const copy = clone(root) as Record<string | number, unknown>
  let node = copy
  for (const k of path.slice(0, -1)) node = node[k] as Record<string | number, unknown>
  const last = path[path.length - 1]!
  if (to.remove) {
    if (Array.isArray(node)) node.splice(last as number, 1)
    else delete node[last]
  } else node[last] = to.value
  return copy
}

type JsonOp =
  | { op: 'retype'; at: number; value: unknown }
  | { op: 'renumber'; at: number; value: number }
  | { op: 'restring'; at: number; value: string }
  | { op: 'remove'; at: number }
  | { op: 'extra'; at: number; key: string; value: unknown }

const jsonOp: fc.Arbitrary<JsonOp> = fc.oneof(
  fc.record({ op: fc.constant('retype' as const), at: fc.nat(), value: wrongValue }),
  fc.record({ op: fc.constant('remove' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('renumber' as const), at: fc.nat(), value: edgeNumber }),
  fc.record({ op: fc.constant('restring' as const), at: fc.nat(), value: nastyString }),
  fc.record({
    op: fc.constant('extra' as const),
    at: fc.nat(),
    key: fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('__proto__', 'constructor')),
    value: wrongValue,
  })
)

function valueAt(root: unknown, path: JsonPath): unknown {
  let n = root
  for (const k of path) n = (n as Record<string | number, unknown>)[k]
  return n
}

function applyJsonOp(v: unknown, o: JsonOp): { value: unknown; label: string } {
  const paths = jsonPaths(v)
  const path = paths[o.at % paths.length]!
  const where = path.length ? path.join('.') : '(root)'
  if (o.op === 'retype')
    return { value: setAt(v, path, { value: o.value }), label: `retype ${where}` }
  if (o.op === 'renumber') {
    const numeric = paths.filter((p) => typeof valueAt(v, p) === 'number')
    if (!numeric.length) return { value: v, label: 'renumber (no number)' }
    const p = numeric[o.at % numeric.length]!
    return { value: setAt(v, p, { value: o.value }), label: `renumber ${p.join('.')} = ${o.value}` }
  }
  if (o.op === 'restring') {
    const strings = paths.filter((p) => typeof valueAt(v, p) === 'string')
    if (!strings.length) return { value: v, label: 'restring (no string)' }
    const p = strings[o.at % strings.length]!
    return {
      value: setAt(v, p, { value: o.value }),
      label: `restring ${p.join('.')} = ${JSON.stringify(o.value.slice(0, 20))} (${o.value.length})`,
    }
  }
  if (o.op === 'remove')
    return { value: setAt(v, path, { remove: true }), label: `remove ${where}` }
  // extra: add a key to the nearest object at or above the path
  const objPaths = paths.filter((p) => {
    const n = valueAt(v, p)
    return n !== null && typeof n === 'object' && !Array.isArray(n)
  })
  if (!objPaths.length) return { value: v, label: 'extra (no object)' }
  const p = objPaths[o.at % objPaths.length]!
  const copy = clone(v)
  let n = copy as Record<string, unknown>
  for (const k of p) n = n[k as string] as Record<string, unknown>
  Object.defineProperty(n, o.key, { value: o.value, enumerable: true, configurable: true })
  return { value: copy, label: `extra ${p.join('.') || '(root)'}.${o.key.slice(0, 20)}` }
}

// ---------------------------------------------------------------- byte-level body mutations

const INVALID_UTF8 = [
  Buffer.from([0xff]),
  Buffer.from([0xc0, 0xaf]),
  Buffer.from([0xed, 0xa0, 0x80]),
  Buffer.from([0xe2, 0x82]),
  Buffer.from([0xf8, 0x88, 0x80, 0x80, 0x80]),
  Buffer.from([0x00]),
]

type TextOp =
  | { op: 'truncate'; at: number }
  | { op: 'insert'; at: number; text: string }
  | { op: 'delete'; at: number; len: number }
  | { op: 'duplicate'; at: number; len: number }
  | { op: 'invalid-utf8'; at: number; which: number }
  | { op: 'bom' | 'utf16' | 'empty' | 'whitespace' }
  | { op: 'replace'; text: string }
  | { op: 'deep'; depth: number; open: string; close: string }

const textOp: fc.Arbitrary<TextOp> = fc.oneof(
  fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({
    op: fc.constant('insert' as const),
    at: fc.nat(),
    text: fc.oneof(
      fc.string({ unit: 'binary', maxLength: 8 }),
      fc.constantFrom(
        '<',
        '>',
        '&',
        '"',
        "'",
        '{',
        '}',
        '[',
        ']',
        ',',
        ':',
        '\\',
        '\u0000',
        '<!--',
        ']]>'
      )
    ),
  }),
  fc.record({
    op: fc.constant('delete' as const),
    at: fc.nat(),
    len: fc.integer({ min: 1, max: 40 }),
  }),
  fc.record({
    op: fc.constant('duplicate' as const),
    at: fc.nat(),
    len: fc.integer({ min: 1, max: 200 }),
  }),
  fc.record({
    op: fc.constant('invalid-utf8' as const),
    at: fc.nat(),
    which: fc.nat({ max: INVALID_UTF8.length - 1 }),
  }),
  fc.record({
    op: fc.constantFrom('bom' as const, 'utf16' as const, 'empty' as const, 'whitespace' as const),
  }),
  fc.record({
    op: fc.constant('replace' as const),
    text: fc.oneof(
      fc.string({ unit: 'binary', maxLength: 200 }),
      fc.jsonValue({ maxDepth: 3 }).map((j) => JSON.stringify(j)),
      hugeString
    ),
  })
)

function applyTextOp(b: Buffer, o: TextOp): { body: Buffer; label: string } {
  const at = (n: number) => (b.length ? n % (b.length + 1) : 0)
  switch (o.op) {
    case 'truncate':
      return { body: b.subarray(0, at(o.at)), label: `truncate at ${at(o.at)}` }
    case 'insert': {
      const i = at(o.at)
      return {
        body: Buffer.concat([b.subarray(0, i), Buffer.from(o.text), b.subarray(i)]),
        label: `insert ${JSON.stringify(o.text)} at ${i}`,
      }
    }
    case 'delete': {
      const i = at(o.at)
      return {
        body: Buffer.concat([b.subarray(0, i), b.subarray(i + o.len)]),
        label: `delete ${o.len} at ${i}`,
      }
    }
    case 'duplicate': {
      const i = at(o.at)
      const part = b.subarray(i, i + o.len)
      return {
        body: Buffer.concat([b.subarray(0, i), part, part, b.subarray(i + o.len)]),
        label: `duplicate ${part.length} at ${i}`,
      }
    }
    case 'invalid-utf8': {
      const i = at(o.at)
      return {
        body: Buffer.concat([b.subarray(0, i), INVALID_UTF8[o.which]!, b.subarray(i)]),
        label: `invalid UTF-8 ${INVALID_UTF8[o.which]!.toString('hex')} at ${i}`,
      }
    }
    case 'bom':
      return { body: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), b]), label: 'UTF-8 BOM' }
    case 'utf16':
      return {
        body: Buffer.concat([
          Buffer.from([0xff, 0xfe]),
          Buffer.from(b.toString('utf8'), 'utf16le'),
        ]),
        label: 'UTF-16LE',
      }
    case 'empty':
      return { body: Buffer.alloc(0), label: 'empty body' }
    case 'whitespace':
      return { body: Buffer.from(' \r\n\t '), label: 'whitespace body' }
    case 'replace':
      return { body: Buffer.from(o.text), label: `replace (${o.text.length} chars)` }
    case 'deep':
      return {
        body: Buffer.from(`${o.open.repeat(o.depth)}1${o.close.repeat(o.depth)}`),
        label: `nesting ${o.depth} deep (${o.open}…${o.close})`,
      }
  }
}

// ---------------------------------------------------------------- XML bodies

type XmlOp =
  | { op: 'nest'; depth: number; name: string }
  | { op: 'siblings'; count: number }
  | { op: 'huge-text'; at: number; text: string }
  | { op: 'attributes'; count: number }
  | {
      op:
        | 'doctype'
        | 'billion-laughs'
        | 'external-entity'
        | 'latin1-decl'
        | 'utf16-decl'
        | 'pi'
        | 'two-roots'
        | 'cdata'
        | 'namespace'
        | 'oversize'
    }

const xmlOp: fc.Arbitrary<XmlOp> = fc.oneof(
  fc.record({
    op: fc.constant('nest' as const),
    depth: fc.integer({ min: 100, max: 30_000 }),
    name: fc.constantFrom('a', 'cp:rule', 'simservs', 'InitialFilterCriteria'),
  }),
  fc.record({ op: fc.constant('siblings' as const), count: fc.integer({ min: 100, max: 20_000 }) }),
  fc.record({ op: fc.constant('huge-text' as const), at: fc.nat(), text: hugeString }),
  fc.record({ op: fc.constant('attributes' as const), count: fc.integer({ min: 50, max: 5_000 }) }),
  fc.record({
    op: fc.constantFrom(
      'doctype' as const,
      'billion-laughs' as const,
      'external-entity' as const,
      'latin1-decl' as const,
      'utf16-decl' as const,
      'pi' as const,
      'two-roots' as const,
      'cdata' as const,
      'namespace' as const,
      'oversize' as const
    ),
  })
)

const LAUGHS =
  '<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;"><!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">]>'

function withoutDecl(xml: string): { decl: string; rest: string } {
  const m = /^\s*<\?xml[^?]*\?>/.exec(xml)
  return m ? { decl: m[0], rest: xml.slice(m[0].length) } : { decl: '', rest: xml }
}

/** Inserts `inner` just inside the root element (after its start tag). */
function insideRoot(xml: string, inner: string): string {
  const { decl, rest } = withoutDecl(xml)
  const end = rest.indexOf('>', rest.indexOf('<'))
  if (end < 0) return xml + inner
  return `${decl}${rest.slice(0, end + 1)}${inner}${rest.slice(end + 1)}`
}

function applyXmlOp(xml: string, o: XmlOp): { body: Buffer; label: string } {
  const { decl, rest } = withoutDecl(xml)
  const text = (s: string, label: string) => ({ body: Buffer.from(s), label })
  switch (o.op) {
    case 'nest': {
      const open = `<${o.name}>`.repeat(o.depth)
      const close = `</${o.name}>`.repeat(o.depth)
      return text(insideRoot(xml, `${open}x${close}`), `nest ${o.depth}× <${o.name}>`)
    }
    case 'siblings':
      return text(insideRoot(xml, '<x/>'.repeat(o.count)), `${o.count} sibling elements`)
    case 'huge-text': {
      const gaps = [...xml.matchAll(/>/g)].map((m) => m.index! + 1)
      const i = gaps.length ? gaps[o.at % gaps.length]! : xml.length
      return text(
        xml.slice(0, i) + o.text.replaceAll('<', '&lt;') + xml.slice(i),
        `huge text (${o.text.length}) at ${i}`
      )
    }
    case 'attributes': {
      const attrs = Array.from({ length: o.count }, (_, i) => ` a${i}="${i}"`).join('')
      const m = /<([A-Za-z_][\w:.-]*)/.exec(rest)
      if (!m) return text(xml, 'attributes (no element)')
      const at = m.index + m[0].length
      return text(`${decl}${rest.slice(0, at)}${attrs}${rest.slice(at)}`, `${o.count} attributes`)
    }
    case 'doctype':
      return text(`${decl}<!DOCTYPE x [<!ELEMENT x ANY>]>${rest}`, 'DOCTYPE')
    case 'billion-laughs':
      return text(
        `${decl}${LAUGHS}${insideRoot(rest, '<x>&lol4;</x>')}`,
        'billion laughs (entity expansion)'
      )
    case 'external-entity':
      return text(
        `${decl}<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>${insideRoot(rest, '&e;')}`,
        'external entity'
      )
    case 'latin1-decl':
      return {
        body: Buffer.from(
          `<?xml version="1.0" encoding="ISO-8859-1"?>${insideRoot(rest, '<!-- é -->')}`,
          'latin1'
        ),
        label: 'ISO-8859-1 declared and encoded',
      }
    case 'utf16-decl':
      return {
        body: Buffer.concat([
          Buffer.from([0xff, 0xfe]),
          Buffer.from(`<?xml version="1.0" encoding="UTF-16"?>${rest}`, 'utf16le'),
        ]),
        label: 'UTF-16 declared and encoded',
      }
    case 'pi':
      return text(insideRoot(xml, '<?php system("id") ?><!-- c -->'), 'processing instruction')
    case 'two-roots':
      return text(`${xml}${rest}`, 'two roots')
    case 'cdata':
      return text(insideRoot(xml, '<![CDATA[<a>]]>'), 'CDATA section')
    case 'namespace':
      return text(xml.replaceAll(/xmlns(:\w+)?="[^"]*"/g, 'xmlns$1="urn:x"'), 'namespaces changed')
    case 'oversize':
      return text(insideRoot(xml, `<!--${'x'.repeat(1_100_000)}-->`), 'body over 1 MiB')
  }
}

// ---------------------------------------------------------------- headers

const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-16',
  'application/xml',
  'application/vnd.etsi.simservs+xml',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'text/plain',
  'text/html; charset=latin1',
  'application/octet-stream',
  'message/sip',
  '*/*',
  '',
  ';;;',
  'application/json; boundary="',
]

const headerValue = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.constantFrom(
    '',
    '*',
    '"x"',
    'W/"x"',
    'no-cache',
    '-1',
    '99999999999999999999',
    '1e3',
    'bytes=0-1',
    'Digest username="x", realm="example.com", nonce="n", uri="/", response="00"',
    'Digest ,,,,',
    'Basic Zm9vOmJhcg==',
    'username=x.y.z.w',
    '127.0.0.1, 10.0.0.1',
    'a'.repeat(2_000)
  ),
  fc.string({ unit: 'binary-ascii', maxLength: 30 })
)

const HEADER_NAMES = [
  'content-type',
  'accept',
  'accept-encoding',
  'cache-control',
  'if-match',
  'if-none-match',
  'if-modified-since',
  'range',
  'authorization',
  'cookie',
  'origin',
  'referer',
  'x-sequence-number',
  'x-forwarded-for',
  'x-forwarded-host',
  'x-forwarded-proto',
  'x-http-method-override',
  'x-edgewater-client-ip',
  'x-edgewater-forwarded-by',
  'x-edgewater-clock-offset',
  'ngv-api-key',
  'ngv-signup-code',
  'ngv-recovery-token',
  'cf-connecting-ip',
  'x-fuzz',
]

/** Header values node:http will put on the wire (no CR, LF or NUL; Latin-1 only). */
const wireSafe = (v: string) => v.replace(/[^\t\x20-\x7e\x80-\xff]/g, '?')

// ---------------------------------------------------------------- paths

const unicodeText = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 })

const segmentMutant: fc.Arbitrary<{ seg: string; label: string }> = fc.oneof(
  fc
    .constantFrom(
      '..',
      '.',
      '%2e%2e',
      '%2E',
      '.%2e',
      '%2F',
      'a%2Fb',
      '..%2F..%2F',
      '%5C..%5C',
      '',
      '%00',
      '%FF',
      '%C0%AF',
      '%ED%A0%80',
      '%',
      '%G1',
      '%%',
      '%252F',
      '%252e%252e',
      '~~',
      ';',
      '*',
      'a?b=c',
      'a#frag',
      '%23',
      '%3F'
    )
    .map((seg) => ({ seg, label: `segment ${JSON.stringify(seg)}` })),
  // Request lines of 8 KiB and more are refused by the HTTP server in front of the function
  // (workerd: 431 without a body), so segments stay below that.
  fc
    .integer({ min: 256, max: 6_000 })
    .map((n) => ({ seg: 'x'.repeat(n), label: `segment of ${n} chars` })),
  unicodeText.map((u) => ({
    seg: encodeURIComponent(u.replace(/[\ud800-\udfff]/g, '')),
    label: `unicode segment ${JSON.stringify(u)} (percent-encoded)`,
  })),
  // Raw bytes above 0x7e in a request line are refused by the HTTP server in front of the
  // function (workerd: an empty 400), so arbitrary bytes go percent-encoded.
  fc.uint8Array({ minLength: 1, maxLength: 12 }).map((b) => ({
    seg: [...b].map((x) => `%${x.toString(16).padStart(2, '0').toUpperCase()}`).join(''),
    label: `bytes ${Buffer.from(b).toString('hex')} (percent-encoded)`,
  }))
)

/** Longest request target generated (characters). */
const MAX_TARGET = 8_000

type PathOp =
  | { op: 'replace'; at: number; m: { seg: string; label: string } }
  | { op: 'append'; m: { seg: string; label: string } }
  | { op: 'insert'; at: number; m: { seg: string; label: string } }
  | { op: 'drop'; at: number }
  | { op: 'query'; q: string }
  | { op: 'trailing-slash' | 'double-slash' }

const pathOp: fc.Arbitrary<PathOp> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({ op: fc.constant('replace' as const), at: fc.nat(), m: segmentMutant }),
  },
  fc.record({ op: fc.constant('append' as const), m: segmentMutant }),
  fc.record({ op: fc.constant('insert' as const), at: fc.nat(), m: segmentMutant }),
  fc.record({ op: fc.constant('drop' as const), at: fc.nat() }),
  fc.record({
    op: fc.constant('query' as const),
    q: fc.oneof(
      fc.constantFrom(
        '?a=%',
        '?a&a&a',
        '?chunk=1e999',
        '?chunk=-1',
        '?chunk-proportion=0',
        '?chunk-proportion=4294967296',
        '?chunk-proportion=99999999&chunk=5',
        '?impu=%00',
        '?limit=1e3',
        '?from=9999999999999999999&to=1',
        '?xmlns(cp=urn:ietf:params:xml:ns:common-policy)',
        '?xmlns(',
        `?x=${'y'.repeat(4_000)}`,
        '?onsuccess=//evil.example/&onfailure=http://evil.example/'
      ),
      fc
        .dictionary(fc.string({ maxLength: 10 }), fc.string({ maxLength: 20 }), { maxKeys: 4 })
        .map((d) => `?${new URLSearchParams(d).toString()}`)
    ),
  }),
  fc.record({ op: fc.constantFrom('trailing-slash' as const, 'double-slash' as const) })
)

function applyPathOps(t: Template, ops: PathOp[]): { path: string; labels: string[] } {
  const segs = [...t.segments]
  let query = t.query ?? ''
  let trailing = ''
  const labels: string[] = []
  for (const o of ops) {
    switch (o.op) {
      case 'replace':
        if (segs.length) segs[o.at % segs.length] = o.m.seg
        labels.push(`path: replace with ${o.m.label}`)
        break
      case 'append':
        segs.push(o.m.seg)
        labels.push(`path: append ${o.m.label}`)
        break
      case 'insert':
        segs.splice(o.at % (segs.length + 1), 0, o.m.seg)
        labels.push(`path: insert ${o.m.label}`)
        break
      case 'drop':
        if (segs.length) segs.splice(o.at % segs.length, 1)
        labels.push('path: drop a segment')
        break
      case 'query':
        query = query ? `${query}&${o.q.slice(1)}` : o.q
        labels.push(`query ${o.q.slice(0, 60)}`)
        break
      case 'trailing-slash':
        trailing = '/'
        labels.push('trailing slash')
        break
      case 'double-slash':
        segs.splice(0, 0, '')
        labels.push('leading //')
        break
    }
  }
  // Several long segments together would pass the request-line limit (above).
  const total = () => segs.reduce((n, x) => n + x.length + 1, 0) + query.length
  while (total() > MAX_TARGET) {
    const longest = segs.reduce((a, x, i) => (x.length > segs[a]!.length ? i : a), 0)
    const cut = segs[longest]!.length - (total() - MAX_TARGET)
    segs[longest] = segs[longest]!.slice(0, Math.max(1, cut))
  }
  return { path: `/${segs.join('/')}${trailing}${query}`, labels }
}

// ---------------------------------------------------------------- the request arbitrary

/**
 * Methods to try instead of the template's. Only methods workerd's HTTP server passes on: it
 * answers any other (PROPFIND, made-up tokens) itself with an empty 400 before a function runs.
 */
const METHODS = ['GET', 'HEAD', 'PUT', 'POST', 'DELETE', 'PATCH', 'OPTIONS']

export interface FuzzOptions {
  /** Whether requests are signed for the trusted zone (most are; some unsigned or forged). */
  signed: boolean
  /** Headers every request of this API carries unless mutated away (e.g. credentials). */
  baseHeaders?: Record<string, string>
}

export function fuzzRequest(templates: Template[], opts: FuzzOptions): fc.Arbitrary<FuzzRequest> {
  return fc
    .record({
      t: fc.constantFrom(...templates),
      // About one request in eight with another method, one in four with another content type.
      method: fc.oneof({ weight: 7, arbitrary: fc.constant(null) }, fc.constantFrom(...METHODS)),
      pathOps: fc.oneof(
        { weight: 2, arbitrary: fc.constant([] as PathOp[]) },
        fc.array(pathOp, { minLength: 1, maxLength: 3 })
      ),
      jsonOps: fc.array(jsonOp, { maxLength: 3 }),
      xmlOps: fc.array(xmlOp, { maxLength: 1 }),
      textOps: fc.oneof(
        { weight: 3, arbitrary: fc.constant([] as TextOp[]) },
        fc.array(textOp, { minLength: 1, maxLength: 2 })
      ),
      bodyKind: fc.constantFrom('template', 'template', 'template', 'none', 'raw'),
      contentType: fc.oneof(
        { weight: 3, arbitrary: fc.constant(null) },
        fc.constantFrom(...CONTENT_TYPES)
      ),
      headers: fc.array(fc.tuple(fc.constantFrom(...HEADER_NAMES), headerValue), { maxLength: 3 }),
      // One request in six without the API's usual credentials.
      dropBase: fc.oneof({ weight: 5, arbitrary: fc.constant(false) }, fc.constant(true)),
      signing: opts.signed
        ? fc.constantFrom<Signing>(
            'good',
            'good',
            'good',
            'good',
            'good',
            'good',
            'good',
            'good',
            'none',
            'bad'
          )
        : fc.constant<Signing>('none'),
    })
    .map((r): FuzzRequest => {
      const mutations: string[] = []
      const { path, labels } = applyPathOps(r.t, r.pathOps)
      mutations.push(...labels)
      const method = r.method ?? r.t.method
      if (r.method) mutations.push(`method ${r.method}`)

      let body: Buffer | undefined
      const b = r.t.body
      if (r.bodyKind === 'none') {
        if (b) mutations.push('body removed')
      } else if (r.bodyKind === 'raw' || !b) {
        const garbage = applyTextOp(Buffer.from(''), r.textOps[0] ?? { op: 'replace', text: 'x' })
        body = garbage.body
        mutations.push(`raw body: ${garbage.label}`)
      } else if (b.kind === 'json') {
        let v = b.value
        for (const o of r.jsonOps) {
          const out = applyJsonOp(v, o)
          v = out.value
          mutations.push(`json: ${out.label}`)
        }
        body = Buffer.from(v === undefined ? '' : JSON.stringify(v))
      } else {
        let x: { body: Buffer; label: string } = { body: Buffer.from(b.value), label: '' }
        for (const o of r.xmlOps) {
          x = applyXmlOp(b.value, o)
          mutations.push(`xml: ${x.label}`)
        }
        body = x.body
      }
      if (body && r.bodyKind === 'template')
        for (const o of r.textOps) {
          const out = applyTextOp(body, o)
          body = out.body
          mutations.push(`bytes: ${out.label}`)
        }

      const headers: Record<string, string> = {}
      if (!r.dropBase || !opts.baseHeaders) Object.assign(headers, opts.baseHeaders)
      else mutations.push('credentials dropped')
      Object.assign(headers, r.t.headers ?? {})
      if (b?.kind === 'json') headers['content-type'] = 'application/json'
      if (b?.kind === 'xml') headers['content-type'] = 'application/vnd.etsi.simservs+xml'
      if (r.contentType !== null) {
        headers['content-type'] = r.contentType
        mutations.push(`content-type ${JSON.stringify(r.contentType)}`)
      }
      for (const [name, value] of r.headers) {
        headers[name] = wireSafe(value)
        mutations.push(`header ${name}: ${JSON.stringify(value.slice(0, 40))}`)
      }
      if (opts.signed && r.signing !== 'good') mutations.push(`signature ${r.signing}`)
      return { template: r.t.name, method, path, headers, body, signing: r.signing, mutations }
    })
}

// ---------------------------------------------------------------- sending

export type Outcome =
  | { kind: 'answer'; status: number; body: string; headers: http.IncomingHttpHeaders }
  | { kind: 'hang' }
  | { kind: 'dropped'; error: string }

/** Sends `req` to `base` (an http://host:port URL), signed for the trusted zone as `req.signing` says. */
export async function send(base: string, req: FuzzRequest, secret?: string): Promise<Outcome> {
  const u = new URL(base)
  const headers: Record<string, string> = { ...req.headers }
  if (secret && req.signing !== 'none') {
    // Signed over the URL the server will see (a path starting with // is still a path).
    const sig = await signRequest(secret, req.method, `${base}${req.path}`, req.body ?? null, {
      headers,
    })
    if (req.signing === 'bad') {
      sig[SIGNATURE_HEADER] = `${sig[SIGNATURE_HEADER]!.slice(0, -2)}00`
      sig[TIMESTAMP_HEADER] = String(Number(sig[TIMESTAMP_HEADER]) - 3_600_000)
    }
    Object.assign(headers, sig)
  }
  if (req.body) headers['content-length'] = String(req.body.length)
  return new Promise<Outcome>((resolve) => {
    let settled = false
    const done = (o: Outcome) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      resolve(o)
    }
    const timer = setTimeout(() => {
      done({ kind: 'hang' })
      request?.destroy()
    }, HANG_MS)
    let request: http.ClientRequest | undefined
    try {
      request = http.request(
        {
          host: u.hostname,
          port: u.port,
          method: req.method,
          path: req.path,
          headers,
          agent: false,
        },
        (res) => {
          const status = res.statusCode ?? 0
          // A success needs no body here (a paced listing streams for minutes); an error must
          // carry its reason, so its body is read in full.
          if (status < 400 || req.method === 'HEAD') {
            done({ kind: 'answer', status, body: '', headers: res.headers })
            res.destroy()
            return
          }
          const parts: Buffer[] = []
          res.on('data', (d: Buffer) => parts.push(d))
          res.on('end', () =>
            done({
              kind: 'answer',
              status,
              body: Buffer.concat(parts).toString('utf8'),
              headers: res.headers,
            })
          )
          res.on('error', (e) => done({ kind: 'dropped', error: String(e) }))
        }
      )
    } catch (err) {
      // node refused to put this target on the wire: a harness bug, reported as such
      done({ kind: 'dropped', error: `not sendable: ${String(err)}` })
      return
    }
    request.on('error', (e) => done({ kind: 'dropped', error: String(e) }))
    request.end(req.body)
  })
}

/** Why an answer breaks the contract (4xx with a reason, never 5xx or a hang), or undefined. */
export function problemOf(req: FuzzRequest, o: Outcome): string | undefined {
  if (o.kind === 'hang') return `no answer in ${HANG_MS / 1000} s`
  if (o.kind === 'dropped') return `connection dropped without an answer (${o.error})`
  if (o.status >= 500) return `${o.status}: ${o.body.slice(0, 300)}`
  if (o.status >= 400 && req.method !== 'HEAD' && o.body.trim() === '')
    return `${o.status} without a reason`
  return undefined
}

export interface FuzzFailure {
  req: FuzzRequest
  problem: string
}

/** The local cloud gateway's own 502 when its connection to the function failed. */
const gatewayLost = (o: Outcome) =>
  o.kind === 'answer' && o.status === 502 && o.body.includes('function unreachable')

export interface FuzzReport {
  api: string
  seed: number
  ran: number
  gatewayRetries: number
  statuses: Record<string, number>
  failures: FuzzFailure[]
}

/** Samples `runs` requests from `arb` with `seed`, sends them `concurrency` at a time. */
export async function runFuzz(opts: {
  api: string
  base: string | ((req: FuzzRequest) => string)
  arb: fc.Arbitrary<FuzzRequest>
  runs: number
  seed: number
  secret?: string
  concurrency?: number
}): Promise<FuzzReport> {
  const inputs = fc.sample(opts.arb, { seed: opts.seed, numRuns: opts.runs })
  const report: FuzzReport = {
    api: opts.api,
    seed: opts.seed,
    ran: 0,
    gatewayRetries: 0,
    statuses: {},
    failures: [],
  }
  let next = 0
  const worker = async () => {
    while (next < inputs.length) {
      const req = inputs[next++]!
      const base = typeof opts.base === 'function' ? opts.base(req) : opts.base
      let o = await send(base, req, opts.secret)
      if (gatewayLost(o)) {
        // The local cloud's gateway (standing in for function URLs) lost a reused keep-alive
        // connection to workerd; one retry tells that race from a function that really dies.
        report.gatewayRetries++
        o = await send(base, req, opts.secret)
      }
      report.ran++
      const key = o.kind === 'answer' ? String(o.status) : o.kind
      report.statuses[key] = (report.statuses[key] ?? 0) + 1
      const p = problemOf(req, o)
      if (p) report.failures.push({ req, problem: p })
    }
  }
  await Promise.all(Array.from({ length: opts.concurrency ?? 4 }, worker))
  // FUZZ_DUMP=<file> keeps the failing inputs (bodies in base64) for replaying them one by one.
  if (process.env.FUZZ_DUMP && report.failures.length)
    writeFileSync(
      process.env.FUZZ_DUMP,
      JSON.stringify(
        report.failures.map((f) => ({
          ...f.req,
          body: f.req.body?.toString('base64'),
          problem: f.problem,
        })),
        null,
        1
      )
    )
  console.log(
    `fuzz ${opts.api}: ${report.ran} inputs, seed ${opts.seed}, statuses ${JSON.stringify(report.statuses)}, failures ${report.failures.length}, gateway retries ${report.gatewayRetries}`
  )
  return report
}

/** A readable list of failures for an assertion message. */
export function describeFailures(failures: FuzzFailure[], max = 10): string {
  return failures
    .slice(0, max)
    .map(
      (f) =>
        `- ${f.req.template}: ${f.req.method} ${f.req.path.slice(0, 160)}${f.req.path.length > 160 ? '…' : ''}\n    ${f.problem.slice(0, 300)}\n    mutations: ${f.req.mutations.join('; ').slice(0, 400)}`
    )
    .join('\n')
}
