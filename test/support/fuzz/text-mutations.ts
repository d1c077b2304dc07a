/** Byte-level mutations of any body: truncation, insertion, invalid UTF-8, other encodings, deep nesting. */
import fc from 'fast-check'
import { hugeString } from './values'

const INVALID_UTF8 = [
  Buffer.from([0xff]),
  Buffer.from([0xc0, 0xaf]),
  Buffer.from([0xed, 0xa0, 0x80]),
  Buffer.from([0xe2, 0x82]),
  Buffer.from([0xf8, 0x88, 0x80, 0x80, 0x80]),
  Buffer.from([0x00]),
]

export type TextOp =
  | { op: 'truncate'; at: number }
  | { op: 'insert'; at: number; text: string }
  | { op: 'delete'; at: number; len: number }
  | { op: 'duplicate'; at: number; len: number }
  | { op: 'invalid-utf8'; at: number; which: number }
  | { op: 'bom' | 'utf16' | 'empty' | 'whitespace' }
  | { op: 'replace'; text: string }
  | { op: 'deep'; depth: number; open: string; close: string }

export const textOp: fc.Arbitrary<TextOp> = fc.oneof(
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

export function applyTextOp(b: Buffer, o: TextOp): { body: Buffer; label: string } {
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
