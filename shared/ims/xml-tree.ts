/**
 * @module ims/xml-tree
 * A small ordered element tree over fast-xml-parser, for the IMS documents Edgewater reads and
 * writes (IMS subscription, iFCs, public identities, ClearwaterRegData). Parsing keeps document
 * order (iFCs of equal priority run in document order, TS 29.228 §B.2.2 via Clearwater's
 * ifchandler) and strips namespace prefixes as Clearwater's rapidxml
 * `parse_strip_xml_namespaces` does. Serialising a parsed element gives back an equivalent
 * subtree, which is how stored iFC and PublicIdentity documents are embedded verbatim into an
 * IMSSubscription. DOCTYPE declarations are refused (no entity expansion from input).
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser'
import { fail, ImsParseError, type ImsResult, ok } from './ims-result'

export interface XmlElement {
  name: string
  attrs: Record<string, string>
  children: XmlNode[]
}

export type XmlNode = XmlElement | { text: string }

export function isElement(n: XmlNode): n is XmlElement {
  return (n as XmlElement).name !== undefined
}

/** Largest document accepted, in characters (Clearwater's memcached value cap is 64 KiB). */
export const MAX_XML_CHARS = 64 * 1024

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  removeNSPrefix: true,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
  processEntities: true,
})

type Fxp = Record<string, unknown>

function convert(raw: Fxp): XmlNode | undefined {
  let name: string | undefined
  for (const k of Object.keys(raw)) if (k !== ':@') name = k
  if (name === undefined) return undefined
  if (name === '#text') return { text: String(raw[name] ?? '') }
  const attrs: Record<string, string> = {}
  const rawAttrs = raw[':@'] as Record<string, unknown> | undefined
  if (rawAttrs) for (const [k, v] of Object.entries(rawAttrs)) attrs[k] = String(v)
  const kids = (raw[name] as Fxp[] | undefined) ?? []
  const children: XmlNode[] = []
  for (const k of kids) {
    const c = convert(k)
    if (c) children.push(c)
  }
  return { name, attrs, children }
}

/** Parses a document with exactly one root element. */
export function parseXml(text: string): ImsResult<XmlElement> {
  if (text.length > MAX_XML_CHARS)
    return fail('(document)', `is larger than ${MAX_XML_CHARS} characters`)
  if (/<!DOCTYPE/i.test(text)) return fail('(document)', 'DOCTYPE declarations are not accepted')
  const v = XMLValidator.validate(text)
  if (v !== true) {
    const at = v.err.line ? ` (line ${v.err.line}${v.err.col ? `, column ${v.err.col}` : ''})` : ''
    return fail('(document)', `is not well-formed XML: ${v.err.msg}${at}`)
  }
  let raw: Fxp[]
  try {
    raw = parser.parse(text) as Fxp[]
  } catch (err) {
    return fail('(document)', `is not well-formed XML: ${(err as Error).message}`)
  }
  const roots = raw.map(convert).filter((n): n is XmlElement => !!n && isElement(n))
  if (roots.length !== 1)
    return fail('(document)', `must have exactly one root element, found ${roots.length}`)
  return ok(roots[0] as XmlElement)
}

/** Child elements, optionally only those with `name`. */
export function childElements(el: XmlElement, name?: string): XmlElement[] {
  const out: XmlElement[] = []
  for (const c of el.children)
    if (isElement(c) && (name === undefined || c.name === name)) out.push(c)
  return out
}

export function firstChild(el: XmlElement, name: string): XmlElement | undefined {
  for (const c of el.children) if (isElement(c) && c.name === name) return c
  return undefined
}

/** The text (and CDATA) directly inside an element, trimmed; '' when none. */
export function textOf(el: XmlElement | undefined): string {
  if (!el) return ''
  let s = ''
  for (const c of el.children) if (!isElement(c)) s += c.text
  return s.trim()
}

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
}

export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c)
}

/** Serialises an element (no declaration), compactly and deterministically. */
export function serializeElement(el: XmlElement): string {
  let s = `<${el.name}`
  for (const [k, v] of Object.entries(el.attrs)) s += ` ${k}="${escapeXml(v)}"`
  if (el.children.length === 0) return `${s}/>`
  s += '>'
  for (const c of el.children) s += isElement(c) ? serializeElement(c) : escapeXml(c.text)
  return `${s}</${el.name}>`
}

/** `<name>text</name>` with the text escaped. */
export function textElement(name: string, text: string | number): string {
  return `<${name}>${escapeXml(String(text))}</${name}>`
}

export const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>'

/**
 * Parses a document whose root must be `<rootName>` and reads it with `read`; an
 * {@link ImsParseError} thrown while reading becomes the failure naming its element.
 */
export function parseDocument<T>(
  text: string,
  rootName: string,
  read: (root: XmlElement) => ImsResult<T>
): ImsResult<T> {
  const doc = parseXml(text)
  if (!doc.ok) return doc
  const root = doc.value
  if (root.name !== rootName)
    return fail('(document)', `root element must be ${rootName}, got ${root.name}`)
  try {
    return read(root)
  } catch (err) {
    if (err instanceof ImsParseError) return fail(err.path, err.message)
    throw err
  }
}
