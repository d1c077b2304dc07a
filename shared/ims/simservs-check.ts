/**
 * @module ims/simservs-check
 * The checking vocabulary shared by the simservs validator: the error it reports (an RFC 4825
 * §11 XCAP error kind plus a reason naming the element), the schema's simple types (xs:boolean,
 * xs:ID, enumerations) and the content rules (empty, text-only, at most once). Every failure is
 * thrown as a {@link SimservsViolation} carrying the element's path, caught once by the parser.
 */
import { COMMON_POLICY_NS, SIMSERVS_NS } from './simservs-model'
import { attributeValue, type XmlElement } from './xcap-xml-tree'

/** RFC 4825 §11.2 error elements a simservs document can earn. */
export type SimservsErrorKind =
  | 'not-well-formed'
  | 'not-utf-8'
  | 'schema-validation-error'
  | 'uniqueness-failure'

export interface SimservsError {
  kind: SimservsErrorKind
  /** Path of the offending element, e.g. `simservs/communication-diversion/NoReplyTimer`. */
  element: string
  /** One sentence naming the element and the problem. */
  reason: string
  /** For a uniqueness failure: the node selector of the attribute that clashed (RFC 4825 §11.2). */
  field?: string
}

export class SimservsViolation extends Error {
  constructor(readonly error: SimservsError) {
    super(error.reason)
  }
}

export function schemaError(path: string, problem: string): SimservsViolation {
  return new SimservsViolation({
    kind: 'schema-validation-error',
    element: path,
    reason: `${path}: ${problem}`,
  })
}

export const isSs = (e: XmlElement) => e.ns === SIMSERVS_NS
export const isCp = (e: XmlElement) => e.ns === COMMON_POLICY_NS
/** Elements of any other namespace (or none) are extensions: kept, never interpreted. */
export const isForeign = (e: XmlElement) => !isSs(e) && !isCp(e)

/** Path step for an element: its local name, with the rule id when it has one. */
export function step(path: string, e: XmlElement): string {
  const id = e.local === 'rule' && isCp(e) ? attributeValue(e, 'id') : undefined
  return `${path}/${e.local}${id !== undefined ? `[@id="${id}"]` : ''}`
}

/** xs:boolean (XML Schema Part 2 §3.2.2): `true`, `false`, `1`, `0`, whitespace collapsed. */
export function parseXsBoolean(raw: string, where: string): boolean {
  const v = raw.trim()
  if (v === 'true' || v === '1') return true
  if (v === 'false' || v === '0') return false
  throw schemaError(where, `'${raw}' is not a boolean (true, false, 1 or 0)`)
}

/** The `active` attribute of a service (simservType: optional xs:boolean, default true). */
export function activeFlag(e: XmlElement, path: string): boolean {
  const raw = attributeValue(e, 'active')
  return raw === undefined ? true : parseXsBoolean(raw, `${path}/@active`)
}

/** An element whose type is simple: text only, no child elements (foreign ones included). */
export function textOf(e: XmlElement, path: string): string {
  if (e.children.length > 0)
    throw schemaError(path, `must contain text only, found <${e.children[0]!.qname}>`)
  return e.text
}

/** `empty-element-type`: no text and no children. */
export function expectEmpty(e: XmlElement, path: string): void {
  if (e.children.length > 0 || e.text !== '') throw schemaError(path, 'must be empty')
}

export function enumValue<T extends string>(e: XmlElement, path: string, allowed: readonly T[]): T {
  const v = textOf(e, path)
  if (!(allowed as readonly string[]).includes(v))
    throw schemaError(path, `'${v}' is not one of ${allowed.join(', ')}`)
  return v as T
}

/** Tracks child elements that the schema allows at most once. */
export class Once {
  private readonly seen = new Set<string>()
  check(e: XmlElement, path: string): void {
    const k = `${e.ns ?? ''} ${e.local}`
    if (this.seen.has(k)) throw schemaError(path, 'appears more than once')
    this.seen.add(k)
  }
}

/** xs:ID / xs:NCName (Namespaces in XML §3), Unicode letters allowed. */
const NCNAME = /^[\p{L}_][\p{L}\p{M}\p{N}_.\-\u00B7\u203F\u2040]*$/u
export function isNcName(s: string): boolean {
  return NCNAME.test(s)
}

/** xs:dateTime lexical form (XML Schema Part 2 §3.2.7). */
const DATETIME = /^-?\d{4,}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?$/
export function isXsDateTime(s: string): boolean {
  return DATETIME.test(s)
}
