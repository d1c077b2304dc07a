/**
 * @module ims/xcap-xml-tree
 * Parses an XCAP document into a small namespace-aware element tree: every element knows its
 * namespace URI and local name (Namespaces in XML §6), its attributes, its decoded text and its
 * exact span in the source, so a node selector can return the element byte-for-byte as stored
 * (RFC 4825 §8.3). fast-xml-parser checks well-formedness and does the tokenising; this module
 * adds what XCAP needs on top: one root, UTF-8 only (RFC 4825 §8.2), no DTD (no entity expansion
 * from a client's document), the five predefined entities plus character references, and bound
 * namespace prefixes. Pure: no I/O.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser'

export interface XmlAttribute {
  /** As written, e.g. `active` or `xsi:type`. */
  qname: string
  local: string
  /** Unprefixed attributes are in no namespace (Namespaces in XML §6.3). */
  ns: string | undefined
  value: string
}

export interface XmlElement {
  qname: string
  local: string
  ns: string | undefined
  attributes: XmlAttribute[]
  children: XmlElement[]
  /** Character data directly inside the element (text and CDATA), trimmed. */
  text: string
  /** The element's span in the source string: `source.slice(start, end)` is the element. */
  start: number
  end: number
}

export type XmlFailureKind = 'not-well-formed' | 'not-utf-8'

export type XmlTreeResult =
  | { ok: true; root: XmlElement }
  | { ok: false; kind: XmlFailureKind; reason: string }

const XMLNS_NS = 'http://www.w3.org/2000/xmlns/'
const XML_NS = 'http://www.w3.org/XML/1998/namespace'
const TEXT = '#text'
const CDATA = '#cdata'
const ATTRS = ':@'

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  // Entities are decoded here (decodeEntities), once, so `&amp;#65;` stays `&#65;`.
  processEntities: false,
  cdataPropName: CDATA,
  ignoreDeclaration: true,
  ignorePiTags: true,
  captureMetaData: true,
  maxNestedTags: 64,
})
const META = XMLParser.getMetaDataSymbol() as unknown as symbol

const ENTITY = /&(?:(amp|lt|gt|quot|apos)|#([0-9]+)|#x([0-9a-fA-F]+));|&/g
const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" }

class XmlFailure extends Error {}

/** Decodes the XML 1.0 §4.6 predefined entities and §4.1 character references. */
function decodeEntities(s: string, where: string): string {
  if (!s.includes('&')) return s
  return s.replace(ENTITY, (m, named: string, dec: string, hex: string) => {
    if (named) return NAMED[named] ?? m
    const cp = dec ? Number.parseInt(dec, 10) : hex ? Number.parseInt(hex, 16) : Number.NaN
    if (!Number.isFinite(cp) || cp > 0x10ffff || cp === 0 || (cp >= 0xd800 && cp <= 0xdfff))
      throw new XmlFailure(`${where}: ${m === '&' ? "'&' that starts no entity" : `'${m}'`}`)
    return String.fromCodePoint(cp)
  })
}

type FxpNode = Record<string, unknown>

function tagOf(n: FxpNode): string | undefined {
  for (const k of Object.keys(n)) if (k !== ATTRS) return k
  return undefined
}

function splitQName(q: string): [string | undefined, string] {
  const i = q.indexOf(':')
  return i < 0 ? [undefined, q] : [q.slice(0, i), q.slice(i + 1)]
}

function build(n: FxpNode, qname: string, scope: ReadonlyMap<string, string>): XmlElement {
  const rawAttrs = (n[ATTRS] ?? {}) as Record<string, string>
  let inScope = scope
  const plain: Array<[string, string]> = []
  for (const [name, raw] of Object.entries(rawAttrs)) {
    const value = decodeEntities(String(raw), `attribute ${name} of <${qname}>`)
    if (name === 'xmlns' || name.startsWith('xmlns:')) {
      if (inScope === scope) inScope = new Map(scope)
      const prefix = name === 'xmlns' ? '' : name.slice(6)
      if (prefix !== '' && value === '')
        throw new XmlFailure(`<${qname}>: prefix '${prefix}' cannot be undeclared`)
      ;(inScope as Map<string, string>).set(prefix, value)
    } else plain.push([name, value])
  }
  const [prefix, local] = splitQName(qname)
  const ns = prefix === undefined ? inScope.get('') || undefined : inScope.get(prefix)
  if (prefix !== undefined && ns === undefined)
    throw new XmlFailure(`<${qname}>: namespace prefix '${prefix}' is not declared`)
  const attributes: XmlAttribute[] = plain.map(([aq, value]) => {
    const [ap, al] = splitQName(aq)
    const ans = ap === undefined ? undefined : ap === 'xml' ? XML_NS : inScope.get(ap)
    if (ap !== undefined && ans === undefined)
      throw new XmlFailure(`attribute ${aq} of <${qname}>: prefix '${ap}' is not declared`)
    return { qname: aq, local: al, ns: ans, value }
  })
  const children: XmlElement[] = []
  let text = ''
  for (const c of (n[qname] ?? []) as FxpNode[]) {
    const t = tagOf(c)
    if (t === undefined) continue
    if (t === TEXT) text += decodeEntities(String(c[TEXT]), `text of <${qname}>`)
    else if (t === CDATA) {
      for (const part of (c[CDATA] ?? []) as FxpNode[]) text += String(part[TEXT] ?? '')
    } else children.push(build(c, t, inScope))
  }
  const meta = (n as Record<symbol, unknown>)[META] as
    | { startIndex: number; endIndex: number }
    | undefined
  return {
    qname,
    local,
    ns,
    attributes,
    children,
    text: text.trim(),
    start: meta?.startIndex ?? 0,
    end: meta?.endIndex ?? 0,
  }
}

const DECL = /^\uFEFF?<\?xml\s[^?]*?encoding\s*=\s*["']([^"']+)["']/

/** Parses a whole document (already decoded from UTF-8). */
export function parseXmlTree(xml: string): XmlTreeResult {
  const decl = DECL.exec(xml)
  if (decl && decl[1]!.toLowerCase() !== 'utf-8')
    return {
      ok: false,
      kind: 'not-utf-8',
      reason: `the document declares encoding ${decl[1]}; XCAP documents are UTF-8`,
    }
  if (/<!DOCTYPE/i.test(xml))
    return { ok: false, kind: 'not-well-formed', reason: 'DOCTYPE declarations are not allowed' }
  const v = XMLValidator.validate(xml)
  if (v !== true)
    return {
      ok: false,
      kind: 'not-well-formed',
      reason: `${v.err.msg} (line ${v.err.line}, column ${v.err.col})`,
    }
  let nodes: FxpNode[]
  try {
    nodes = parser.parse(xml) as FxpNode[]
  } catch (err) {
    return { ok: false, kind: 'not-well-formed', reason: (err as Error).message }
  }
  const roots = nodes.filter((n) => {
    const t = tagOf(n)
    return t !== undefined && t !== TEXT && t !== CDATA
  })
  if (roots.length !== 1)
    return {
      ok: false,
      kind: 'not-well-formed',
      reason:
        roots.length === 0 ? 'the document has no root element' : 'the document has several roots',
    }
  const root = roots[0]!
  try {
    const scope = new Map([['xml', XML_NS]])
    scope.set('xmlns', XMLNS_NS)
    return { ok: true, root: build(root, tagOf(root)!, scope) }
  } catch (err) {
    if (err instanceof XmlFailure)
      return { ok: false, kind: 'not-well-formed', reason: err.message }
    throw err
  }
}

/** `{namespace}local`, the unambiguous name used in reasons and extension lists. */
export function expandedName(e: { ns: string | undefined; local: string }): string {
  return e.ns ? `{${e.ns}}${e.local}` : e.local
}

export function attributeValue(e: XmlElement, local: string): string | undefined {
  return e.attributes.find((a) => a.ns === undefined && a.local === local)?.value
}
