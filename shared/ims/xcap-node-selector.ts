/**
 * @module ims/xcap-node-selector
 * RFC 4825 §6.3 node selectors and their evaluation against a parsed document. A selector is a
 * path of steps, each a name test (`QName` or `*`) with an optional position (`[2]`) and/or
 * attribute test (`[@id="rule1"]`), optionally ending in an attribute selector (`@active`).
 * Unprefixed names are in the application usage's default namespace (RFC 4825 §6.3, for simservs
 * the TS 24.623 namespace); prefixes are bound by the URI's `xmlns()` query, not by the document.
 * A selector must pick exactly one node; none or several is "no such node" (404). Pure.
 */
import type { XmlElement } from './xcap-xml-tree'

interface NameTest {
  prefix: string | undefined
  /** `*` matches any element. */
  local: string
}

export interface SelectorStep extends NameTest {
  position: number | undefined
  attribute: { prefix: string | undefined; local: string; value: string } | undefined
}

export interface NodeSelector {
  steps: SelectorStep[]
  /** Terminal attribute selector (`…/@active`). */
  attribute: NameTest | undefined
}

export type NodeSelectorParse = { ok: true; value: NodeSelector } | { ok: false; reason: string }

export type Selection =
  | { kind: 'element'; element: XmlElement }
  | { kind: 'attribute'; element: XmlElement; value: string }
  | { kind: 'none'; reason: string }
  | { kind: 'invalid'; reason: string }

const QNAME = /^(?:([\p{L}_][\p{L}\p{N}_.-]*):)?([\p{L}_][\p{L}\p{N}_.-]*)$/u

function qname(s: string): NameTest | undefined {
  if (s === '*') return { prefix: undefined, local: '*' }
  const m = QNAME.exec(s)
  return m ? { prefix: m[1], local: m[2]! } : undefined
}

/** Splits on `/` outside brackets and quotes (attribute values may contain `/`). */
function splitSteps(s: string): string[] | undefined {
  const out: string[] = []
  let depth = 0
  let quote = ''
  let cur = ''
  for (const ch of s) {
    if (quote) {
      if (ch === quote) quote = ''
    } else if (ch === '"' || ch === "'") {
      if (depth === 0) return undefined
      quote = ch
    } else if (ch === '[') depth++
    else if (ch === ']') {
      if (--depth < 0) return undefined
    } else if (ch === '/' && depth === 0) {
      out.push(cur)
      cur = ''
      continue
    }
    cur += ch
  }
  if (quote || depth !== 0) return undefined
  out.push(cur)
  return out
}

const PREDICATES = /\[([^\]"']*(?:"[^"]*"|'[^']*')?[^\]"']*)\]/gy

function parseStep(s: string): SelectorStep | undefined {
  const open = s.indexOf('[')
  const name = qname(open < 0 ? s : s.slice(0, open))
  if (!name) return undefined
  const step: SelectorStep = { ...name, position: undefined, attribute: undefined }
  if (open < 0) return step
  PREDICATES.lastIndex = open
  let end = open
  let n = 0
  for (let m = PREDICATES.exec(s); m; m = PREDICATES.exec(s)) {
    end = PREDICATES.lastIndex
    const body = m[1]!.trim()
    n++
    if (/^[1-9][0-9]*$/.test(body)) {
      // by-pos must come before by-attr (RFC 4825 §6.3 by-pos-attr).
      if (step.position !== undefined || step.attribute || n > 1) return undefined
      step.position = Number(body)
      continue
    }
    const a = /^@([^=\s]+)\s*=\s*(?:"([^"]*)"|'([^']*)')$/.exec(body)
    const an = a ? qname(a[1]!) : undefined
    if (!a || !an || an.local === '*' || step.attribute) return undefined
    step.attribute = { prefix: an.prefix, local: an.local, value: a[2] ?? a[3] ?? '' }
  }
  return end === s.length ? step : undefined
}

export function parseNodeSelector(s: string): NodeSelectorParse {
  const parts = splitSteps(s)
  if (!parts || parts.some((p) => p === ''))
    return { ok: false, reason: `'${s}' is not a node selector` }
  let attribute: NameTest | undefined
  const last = parts[parts.length - 1]!
  if (last.startsWith('@')) {
    attribute = qname(last.slice(1))
    if (!attribute || attribute.local === '*')
      return { ok: false, reason: `'${last}' is not an attribute selector` }
    parts.pop()
  } else if (last.startsWith('namespace::'))
    return { ok: false, reason: 'namespace selectors are not supported' }
  if (parts.length === 0) return { ok: false, reason: 'the node selector selects no element' }
  const steps: SelectorStep[] = []
  for (const p of parts) {
    const st = parseStep(p)
    if (!st) return { ok: false, reason: `'${p}' is not a node selector step` }
    steps.push(st)
  }
  return { ok: true, value: { steps, attribute } }
}

class Unbound extends Error {}

function resolve(
  prefix: string | undefined,
  bindings: ReadonlyMap<string, string>,
  dflt: string | undefined
): string | undefined {
  if (prefix === undefined) return dflt
  const ns = bindings.get(prefix)
  if (ns === undefined) throw new Unbound(`prefix '${prefix}' is not bound by an xmlns() query`)
  return ns
}

function nameMatches(e: XmlElement, t: NameTest, b: ReadonlyMap<string, string>, dflt?: string) {
  return t.local === '*' || (e.local === t.local && e.ns === resolve(t.prefix, b, dflt))
}

function attrValue(e: XmlElement, t: NameTest, b: ReadonlyMap<string, string>) {
  // Unprefixed attribute names are in no namespace (RFC 4825 §6.3).
  const ns = t.prefix === undefined ? undefined : resolve(t.prefix, b, undefined)
  return e.attributes.find((a) => a.local === t.local && a.ns === ns)?.value
}

function applyStep(
  candidates: XmlElement[],
  st: SelectorStep,
  b: ReadonlyMap<string, string>,
  dflt: string
): XmlElement[] {
  let named = candidates.filter((e) => nameMatches(e, st, b, dflt))
  if (st.position !== undefined) named = named.slice(st.position - 1, st.position)
  const at = st.attribute
  return at ? named.filter((e) => attrValue(e, at, b) === at.value) : named
}

/** Evaluates a selector from the document root; `defaultNs` is the usage's default namespace. */
export function selectNode(
  root: XmlElement,
  selector: NodeSelector,
  bindings: ReadonlyMap<string, string>,
  defaultNs: string
): Selection {
  try {
    // Every prefix must be bound, whether or not evaluation reaches its step.
    for (const st of selector.steps) {
      resolve(st.prefix, bindings, defaultNs)
      if (st.attribute) resolve(st.attribute.prefix, bindings, undefined)
    }
    if (selector.attribute) resolve(selector.attribute.prefix, bindings, undefined)
    let current = applyStep([root], selector.steps[0]!, bindings, defaultNs)
    for (const st of selector.steps.slice(1)) {
      current = current.flatMap((e) => applyStep(e.children, st, bindings, defaultNs))
    }
    if (current.length !== 1)
      return {
        kind: 'none',
        reason: current.length === 0 ? 'no element matches' : 'several elements match',
      }
    const element = current[0]!
    if (!selector.attribute) return { kind: 'element', element }
    const value = attrValue(element, selector.attribute, bindings)
    return value === undefined
      ? { kind: 'none', reason: 'the element has no such attribute' }
      : { kind: 'attribute', element, value }
  } catch (err) {
    if (err instanceof Unbound) return { kind: 'invalid', reason: err.message }
    throw err
  }
}
