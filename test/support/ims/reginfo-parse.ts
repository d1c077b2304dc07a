/**
 * @module ims/reginfo-parse
 * Reads an `application/reginfo+xml` document and checks it against the RFC 3680 §5.4 schema
 * (namespaces resolved, not stripped): the root `reginfo` with `version` and `state`, then
 * `registration` elements (`aor`, `id`, `state`), each a sequence of `contact` elements (`id`,
 * `state`, `event` from the schema's enumerations, unsignedLong counters) holding `uri`, an
 * optional `display-name`, `unknown-param`s and extension elements from other namespaces
 * (`##other`: qualified, not reginfo), such as RFC 5628's `pub-gruu`/`temp-gruu`, whose
 * attributes are checked too. Errors name the element path and the problem.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser'
import { fail, ImsParseError, type ImsResult, ok } from '../../../shared/ims/ims-result'
import {
  CONTACT_EVENTS,
  CONTACT_STATES,
  EXT_REG_EXP_NS,
  GRUUINFO_NS,
  REGINFO_NS,
  REGINFO_STATES,
  REGISTRATION_STATES,
  type Reginfo,
  type ReginfoContact,
  type ReginfoRegistration,
} from '../../../shared/ims/reginfo-model'
import { MAX_XML_CHARS } from '../../../shared/ims/xml-tree'

interface NsElement {
  ns: string | undefined
  local: string
  attrs: Record<string, string>
  children: NsElement[]
  text: string
}

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  removeNSPrefix: false,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
  processEntities: true,
})

type Fxp = Record<string, unknown>

function resolve(raw: Fxp, scope: Record<string, string>, path: string): NsElement | undefined {
  let name: string | undefined
  for (const k of Object.keys(raw)) if (k !== ':@') name = k
  if (name === undefined || name === '#text') return undefined
  const rawAttrs = (raw[':@'] as Record<string, unknown> | undefined) ?? {}
  const inner: Record<string, string> = { ...scope }
  const attrs: Record<string, string> = {}
  for (const [k, v] of Object.entries(rawAttrs)) {
    if (k === 'xmlns') inner[''] = String(v)
    else if (k.startsWith('xmlns:')) inner[k.slice(6)] = String(v)
    else attrs[k] = String(v)
  }
  const colon = name.indexOf(':')
  const prefix = colon < 0 ? '' : name.slice(0, colon)
  const local = colon < 0 ? name : name.slice(colon + 1)
  const ns = inner[prefix]
  if (prefix !== '' && ns === undefined)
    throw new ImsParseError(`${path}${name}`, `uses the undeclared namespace prefix "${prefix}"`)
  const el: NsElement = { ns: ns === '' ? undefined : ns, local, attrs, children: [], text: '' }
  for (const k of (raw[name] as Fxp[] | undefined) ?? []) {
    if ('#text' in k) el.text += String(k['#text'] ?? '')
    else {
      const c = resolve(k, inner, `${path}${local}.`)
      if (c) el.children.push(c)
    }
  }
  el.text = el.text.trim()
  return el
}

function required(el: NsElement, name: string, path: string): string {
  const v = el.attrs[name]
  if (v === undefined || v === '') throw new ImsParseError(`${path}@${name}`, 'is required')
  return v
}

function oneOf<T extends string>(v: string, allowed: readonly T[], path: string): T {
  if ((allowed as readonly string[]).includes(v)) return v as T
  throw new ImsParseError(path, `must be one of ${allowed.join(', ')}, got "${v}"`)
}

function unsigned(el: NsElement, name: string, path: string): number | undefined {
  const v = el.attrs[name]
  if (v === undefined) return undefined
  if (!/^\d+$/.test(v))
    throw new ImsParseError(`${path}@${name}`, `must be an unsigned integer, got "${v}"`)
  return Number(v)
}

function anyUri(v: string, path: string): string {
  if (v === '' || /\s/.test(v)) throw new ImsParseError(path, `must be a URI, got "${v}"`)
  return v
}

/** `##other`: an element qualified by a namespace other than reginfo's. */
function checkOther(el: NsElement, path: string): void {
  if (el.ns === REGINFO_NS)
    throw new ImsParseError(`${path}${el.local}`, 'is not allowed here (out of schema order)')
  if (el.ns === undefined)
    throw new ImsParseError(`${path}${el.local}`, 'is not allowed here (unqualified element)')
}

function readContact(el: NsElement, path: string): ReginfoContact {
  const c: ReginfoContact = {
    id: required(el, 'id', path),
    state: oneOf(required(el, 'state', path), CONTACT_STATES, `${path}@state`),
    event: oneOf(required(el, 'event', path), CONTACT_EVENTS, `${path}@event`),
    uri: '',
    unknownParams: [],
  }
  for (const n of ['expires', 'duration-registered', 'retry-after', 'cseq'] as const) {
    const v = unsigned(el, n, path)
    if (v === undefined) continue
    if (n === 'expires') c.expires = v
    else if (n === 'duration-registered') c.durationRegistered = v
    else if (n === 'retry-after') c.retryAfter = v
    else c.cseq = v
  }
  if (el.attrs.q !== undefined) c.q = el.attrs.q
  if (el.attrs.callid !== undefined) c.callid = el.attrs.callid
  // Sequence: uri, display-name?, unknown-param*, ##other*.
  let stage = 0
  for (const k of el.children) {
    const at = `${path}.${k.local}`
    if (k.ns === REGINFO_NS && k.local === 'uri' && stage === 0) {
      c.uri = anyUri(k.text, at)
      stage = 1
    } else if (stage === 0) {
      throw new ImsParseError(`${path}.uri`, 'must be the first child of contact')
    } else if (k.ns === REGINFO_NS && k.local === 'display-name' && stage === 1) {
      c.displayName = k.text
      stage = 2
    } else if (k.ns === REGINFO_NS && k.local === 'unknown-param' && stage <= 3) {
      c.unknownParams.push({ name: required(k, 'name', at), value: k.text })
      stage = 3
    } else {
      checkOther(k, `${path}.`)
      stage = 4
      if (k.ns === GRUUINFO_NS && k.local === 'pub-gruu') {
        if (c.pubGruu !== undefined) throw new ImsParseError(at, 'appears more than once')
        c.pubGruu = anyUri(required(k, 'uri', at), `${at}@uri`)
      } else if (k.ns === GRUUINFO_NS && k.local === 'temp-gruu') {
        const firstCseq = unsigned(k, 'first-cseq', at)
        if (firstCseq === undefined) throw new ImsParseError(`${at}@first-cseq`, 'is required')
        ;(c.tempGruus ??= []).push({ uri: anyUri(required(k, 'uri', at), `${at}@uri`), firstCseq })
      }
    }
  }
  if (c.uri === '') throw new ImsParseError(`${path}.uri`, 'is required')
  return c
}

function readRegistration(el: NsElement, path: string): ReginfoRegistration {
  const r: ReginfoRegistration = {
    aor: anyUri(required(el, 'aor', path), `${path}@aor`),
    id: required(el, 'id', path),
    state: oneOf(required(el, 'state', path), REGISTRATION_STATES, `${path}@state`),
    contacts: [],
  }
  let others = false
  for (const k of el.children) {
    if (k.ns === REGINFO_NS && k.local === 'contact' && !others) {
      r.contacts.push(readContact(k, `${path}.contact[${r.contacts.length}]`))
      continue
    }
    checkOther(k, `${path}.`)
    others = true
    if (k.ns === EXT_REG_EXP_NS && k.local === 'wildcardedIdentity') r.wildcardedIdentity = k.text
  }
  return r
}

/** Parses and validates a reginfo document. */
export function parseReginfoXml(xml: string): ImsResult<Reginfo> {
  if (xml.length > MAX_XML_CHARS)
    return fail('(document)', `is larger than ${MAX_XML_CHARS} characters`)
  if (/<!DOCTYPE/i.test(xml)) return fail('(document)', 'DOCTYPE declarations are not accepted')
  const v = XMLValidator.validate(xml)
  if (v !== true) return fail('(document)', `is not well-formed XML: ${v.err.msg}`)
  try {
    const roots = (parser.parse(xml) as Fxp[])
      .map((r) => resolve(r, {}, ''))
      .filter((r): r is NsElement => r !== undefined)
    const root = roots[0]
    if (roots.length !== 1 || !root) return fail('(document)', 'must have exactly one root element')
    if (root.local !== 'reginfo' || root.ns !== REGINFO_NS)
      return fail('(document)', `root element must be reginfo in ${REGINFO_NS}`)
    const version = unsigned(root, 'version', 'reginfo')
    if (version === undefined) return fail('reginfo@version', 'is required')
    const info: Reginfo = {
      version,
      state: oneOf(required(root, 'state', 'reginfo'), REGINFO_STATES, 'reginfo@state'),
      registrations: [],
    }
    let others = false
    for (const k of root.children) {
      if (k.ns === REGINFO_NS && k.local === 'registration' && !others) {
        info.registrations.push(
          readRegistration(k, `reginfo.registration[${info.registrations.length}]`)
        )
        continue
      }
      checkOther(k, 'reginfo.')
      others = true
    }
    return ok(info)
  } catch (err) {
    if (err instanceof ImsParseError) return fail(err.path, err.message)
    throw err
  }
}
