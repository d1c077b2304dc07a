/** Mutations of a request target: dot segments, encoded slashes, long and unicode segments, queries. */
import fc from 'fast-check'
import type { Template } from './template'

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

export type PathOp =
  | { op: 'replace'; at: number; m: { seg: string; label: string } }
  | { op: 'append'; m: { seg: string; label: string } }
  | { op: 'insert'; at: number; m: { seg: string; label: string } }
  | { op: 'drop'; at: number }
  | { op: 'query'; q: string }
  | { op: 'trailing-slash' | 'double-slash' }

export const pathOp: fc.Arbitrary<PathOp> = fc.oneof(
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

export function applyPathOps(t: Template, ops: PathOp[]): { path: string; labels: string[] } {
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
