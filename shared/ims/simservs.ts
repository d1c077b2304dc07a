/**
 * @module ims/simservs
 * `parseSimservs(xml)`: validates a simservs document against the structure the MMTEL service
 * relies on and returns its {@link SimservsModel}. Homer runs it on every PUT (a failure is the
 * document's rejection, with an RFC 4825 §11 error kind and a reason naming the element); the
 * MMTEL reader runs it on a cache miss. The root is `<simservs>` in the TS 24.623 namespace; OIP,
 * OIR, communication-diversion and the two barring services are checked element by element
 * (TS 24.607, 24.608, 24.604, 24.611 schemas); any other service element, `<extensions>` and
 * elements of foreign namespaces are kept in the stored document and listed in the model.
 */
import {
  activeFlag,
  enumValue,
  isCp,
  isForeign,
  isSs,
  Once,
  type SimservsError,
  SimservsViolation,
  schemaError,
  step,
  textOf,
} from './simservs-check'
import {
  type BarringService,
  type CdivService,
  DEFAULT_NO_REPLY_TIMER_S,
  MODELLED_SERVICES,
  type ModelledService,
  NO_REPLY_TIMER_RANGE,
  type OirDefaultBehaviour,
  SIMSERVS_NS,
  type SimservsModel,
} from './simservs-model'
import { parseBarringRuleset, parseCdivRuleset } from './simservs-rules'
import { expandedName, parseXmlTree, type XmlElement } from './xcap-xml-tree'

export type { SimservsError, SimservsErrorKind } from './simservs-check'

export type SimservsParseResult =
  | { ok: true; value: SimservsModel; root: XmlElement }
  | { ok: false; error: SimservsError }

const ROOT = 'simservs'
const OIR_BEHAVIOURS: readonly OirDefaultBehaviour[] = [
  'presentation-restricted',
  'presentation-not-restricted',
]

/** Children of a service element that the service's schema does not list. */
function unexpected(e: XmlElement, path: string, service: string): never {
  throw schemaError(step(path, e), `is not allowed in <${service}>`)
}

function noChildren(e: XmlElement, path: string) {
  for (const c of e.children) if (!isForeign(c)) unexpected(c, path, e.local)
}

function oir(e: XmlElement, path: string) {
  let defaultBehaviour: OirDefaultBehaviour = 'presentation-restricted'
  const once = new Once()
  for (const c of e.children) {
    const p = step(path, c)
    if (isForeign(c)) continue
    if (!(isSs(c) && c.local === 'default-behaviour')) unexpected(c, path, e.local)
    once.check(c, p)
    defaultBehaviour = enumValue(c, p, OIR_BEHAVIOURS)
  }
  return { active: activeFlag(e, path), defaultBehaviour }
}

function noReplyTimer(e: XmlElement, path: string): number {
  const v = textOf(e, path)
  const { min, max } = NO_REPLY_TIMER_RANGE
  // xs:positiveInteger restricted to 5..180 (communication-diversion.xsd).
  if (!/^\+?[0-9]+$/.test(v)) throw schemaError(path, `'${v}' is not a whole number of seconds`)
  const n = Number(v)
  if (n < min || n > max) throw schemaError(path, `${n} is outside ${min}..${max} seconds`)
  return n
}

function cdiv(e: XmlElement, path: string): CdivService {
  const out: CdivService = {
    active: activeFlag(e, path),
    noReplyTimerS: DEFAULT_NO_REPLY_TIMER_S,
    rules: [],
  }
  const once = new Once()
  for (const c of e.children) {
    const p = step(path, c)
    if (isForeign(c)) continue
    if (isSs(c) && c.local === 'NoReplyTimer') {
      once.check(c, p)
      out.noReplyTimerS = noReplyTimer(c, p)
    } else if (isCp(c) && c.local === 'ruleset') {
      once.check(c, p)
      out.rules = parseCdivRuleset(c, p)
    } else unexpected(c, path, e.local)
  }
  return out
}

function barring(e: XmlElement, path: string): BarringService {
  const out: BarringService = { active: activeFlag(e, path), rules: [] }
  const once = new Once()
  for (const c of e.children) {
    const p = step(path, c)
    if (isForeign(c)) continue
    if (!(isCp(c) && c.local === 'ruleset')) unexpected(c, path, e.local)
    once.check(c, p)
    out.rules = parseBarringRuleset(c, p)
  }
  return out
}

function buildModel(root: XmlElement): SimservsModel {
  if (root.local !== ROOT || root.ns !== SIMSERVS_NS)
    throw schemaError(
      root.local,
      root.local === ROOT
        ? `the root element must be in namespace ${SIMSERVS_NS}`
        : `the root element must be <simservs> (TS 24.623), found <${root.qname}>`
    )
  const model: SimservsModel = {
    oip: undefined,
    oir: undefined,
    cdiv: undefined,
    icb: undefined,
    ocb: undefined,
    extensions: [],
  }
  const once = new Once()
  for (const c of root.children) {
    const p = step(ROOT, c)
    if (!isSs(c) || !(MODELLED_SERVICES as readonly string[]).includes(c.local)) {
      // Another service of the absService substitution group, <extensions>, or a foreign element:
      // kept as written (TS 24.623 extensibility), not interpreted.
      model.extensions.push(expandedName(c))
      continue
    }
    once.check(c, p)
    switch (c.local as ModelledService) {
      case 'originating-identity-presentation':
        noChildren(c, p)
        model.oip = { active: activeFlag(c, p) }
        break
      case 'originating-identity-presentation-restriction':
        model.oir = oir(c, p)
        break
      case 'communication-diversion':
        model.cdiv = cdiv(c, p)
        break
      case 'incoming-communication-barring':
        model.icb = barring(c, p)
        break
      case 'outgoing-communication-barring':
        model.ocb = barring(c, p)
        break
    }
  }
  return model
}

/** Validates a simservs document (a string decoded from UTF-8) and returns its model. */
export function parseSimservs(xml: string): SimservsParseResult {
  const tree = parseXmlTree(xml)
  if (!tree.ok) return { ok: false, error: { kind: tree.kind, element: ROOT, reason: tree.reason } }
  try {
    return { ok: true, value: buildModel(tree.root), root: tree.root }
  } catch (err) {
    if (err instanceof SimservsViolation) return { ok: false, error: err.error }
    throw err
  }
}
