/** Values the mutators put where an API expects something else: edge numbers, nasty and huge strings. */
import fc from 'fast-check'

export const hugeString = fc
  .integer({ min: 4_096, max: 300_000 })
  .chain((n) => fc.constantFrom('a', 'é', '😀', '<', '\\u0000', '%').map((c) => ({ n, c })))
  .map(({ n, c }) => c.repeat(Math.ceil(n / c.length)))

export const nastyString = fc.oneof(
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
export const edgeNumber = fc.constantFrom(
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
export const wrongValue: fc.Arbitrary<unknown> = fc.oneof(
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
