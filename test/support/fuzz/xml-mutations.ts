/** Mutations of an XML body: deep nesting, many siblings or attributes, entities, DTDs, oversize. */
import fc from 'fast-check'
import { hugeString } from './values'

export type XmlOp =
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

export const xmlOp: fc.Arbitrary<XmlOp> = fc.oneof(
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

export function applyXmlOp(xml: string, o: XmlOp): { body: Buffer; label: string } {
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
