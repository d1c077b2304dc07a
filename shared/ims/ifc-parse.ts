/**
 * @module ims/ifc-parse
 * Reads `<InitialFilterCriteria>` elements into {@link InitialFilterCriteria} values, in two modes:
 * - `lenient` is Sprout's evaluation-time reading (sprout:src/ifc.cpp, ifchandler.cpp): an iFC
 *   that breaks a rule Sprout enforces (no ApplicationServer/ServerName, bad Priority, Group,
 *   SessionCase, RegistrationType or ProfilePartIndicator, missing ConditionTypeCNF, an SPT
 *   without a class, a regular expression that cannot be matched safely) is skipped and reported; loosely written values
 *   Sprout tolerates (DefaultHandling, ConditionNegated) take Sprout's defaults.
 * - `strict` is the provisioning check (Homestead-prov PUT filter_criteria): every iFC must be
 *   well formed, DefaultHandling and ConditionNegated must be booleans, every SPT names a class
 *   Sprout implements and at least one Group (TS 29.228 `tSePoTri` Group minOccurs 1), and the
 *   `<ServiceProfile>` holds at least one iFC. Errors name the element.
 * Trigger regular expressions go through ifc-pattern.ts in both modes: RE2 syntax, within the
 * given {@link IfcPatternLimits} (pattern length, program size), matched in linear time.
 */
import type {
  ApplicationServer,
  CompiledRegex,
  InitialFilterCriteria,
  RegistrationTypeCode,
  ServicePointTrigger,
  SessionCaseCode,
  SptCondition,
  TriggerPoint,
} from './ifc-model'
import {
  compileTriggerPattern,
  DEFAULT_IFC_PATTERN_LIMITS,
  type IfcPatternLimits,
} from './ifc-pattern'
import { fail, ImsParseError, type ImsResult, type ImsXmlError, ok } from './ims-result'
import { childElements, firstChild, parseDocument, textOf, type XmlElement } from './xml-tree'
import { parseBoolean, parseInteger } from './xml-values'

export type IfcParseMode = 'strict' | 'lenient'

const INT32_MAX = 2 ** 31 - 1
const SPT_CLASSES = ['Method', 'SIPHeader', 'SessionCase', 'RequestURI', 'SessionDescription']

function compile(
  el: XmlElement | undefined,
  path: string,
  limits: Readonly<IfcPatternLimits>,
  caseInsensitive = false
): CompiledRegex {
  return compileTriggerPattern(textOf(el), path, { caseInsensitive, limits })
}

/** xs:boolean read Sprout's way: only "true" and "1" are true. */
function looseBoolean(el: XmlElement | undefined): boolean {
  const v = textOf(el)
  return v === 'true' || v === '1'
}

function readCondition(
  spt: XmlElement,
  path: string,
  mode: IfcParseMode,
  limits: Readonly<IfcPatternLimits>
): SptCondition {
  // sprout ifc.cpp spt_matches: the class is the first child other than ConditionNegated and
  // Group; an Extension before any class means the class is missing.
  const cls = spt.children.find(
    (c): c is XmlElement => 'name' in c && c.name !== 'ConditionNegated' && c.name !== 'Group'
  )
  if (!cls || cls.name === 'Extension')
    throw new ImsParseError(path, `has no class element (one of ${SPT_CLASSES.join(', ')})`)
  const at = `${path}.${cls.name}`
  switch (cls.name) {
    case 'Method': {
      const method = textOf(cls)
      if (!method) throw new ImsParseError(at, 'is empty')
      const registrationTypes: RegistrationTypeCode[] = []
      const ext = firstChild(spt, 'Extension')
      if (ext)
        childElements(ext, 'RegistrationType').forEach((rt, i) => {
          registrationTypes.push(
            parseInteger(
              rt,
              `${path}.Extension.RegistrationType[${i}]`,
              0,
              2
            ) as RegistrationTypeCode
          )
        })
      return { kind: 'method', method, registrationTypes }
    }
    case 'SIPHeader': {
      const header = firstChild(cls, 'Header')
      if (!header) throw new ImsParseError(`${at}.Header`, 'is missing')
      const content = firstChild(cls, 'Content')
      return {
        kind: 'sip-header',
        header: compile(header, `${at}.Header`, limits, true),
        ...(content ? { content: compile(content, `${at}.Content`, limits) } : {}),
      }
    }
    case 'SessionCase':
      return { kind: 'session-case', sessionCase: parseInteger(cls, at, 0, 4) as SessionCaseCode }
    case 'RequestURI':
      return { kind: 'request-uri', pattern: compile(cls, at, limits) }
    case 'SessionDescription': {
      const line = firstChild(cls, 'Line')
      if (!line) throw new ImsParseError(`${at}.Line`, 'is missing')
      const content = firstChild(cls, 'Content')
      return {
        kind: 'session-description',
        line: compile(line, `${at}.Line`, limits),
        ...(content ? { content: compile(content, `${at}.Content`, limits) } : {}),
      }
    }
    default:
      if (mode === 'strict')
        throw new ImsParseError(at, `is not a supported SPT class (${SPT_CLASSES.join(', ')})`)
      return { kind: 'unsupported', element: cls.name }
  }
}

function readSpt(
  spt: XmlElement,
  path: string,
  mode: IfcParseMode,
  limits: Readonly<IfcPatternLimits>
): ServicePointTrigger {
  const negEl = firstChild(spt, 'ConditionNegated')
  const negated =
    negEl === undefined
      ? false
      : mode === 'strict'
        ? parseBoolean(negEl, `${path}.ConditionNegated`)
        : looseBoolean(negEl)
  const groupEls = childElements(spt, 'Group')
  if (mode === 'strict' && groupEls.length === 0)
    throw new ImsParseError(`${path}.Group`, 'is missing (every SPT belongs to at least one group)')
  const groups = groupEls.map((g, i) => parseInteger(g, `${path}.Group[${i}]`, 0, INT32_MAX))
  return { negated, groups, condition: readCondition(spt, path, mode, limits) }
}

function readTriggerPoint(
  tp: XmlElement,
  path: string,
  mode: IfcParseMode,
  limits: Readonly<IfcPatternLimits>
): TriggerPoint {
  const cnfEl = firstChild(tp, 'ConditionTypeCNF')
  if (!cnfEl) throw new ImsParseError(`${path}.ConditionTypeCNF`, 'is missing')
  const cnf =
    mode === 'strict' ? parseBoolean(cnfEl, `${path}.ConditionTypeCNF`) : looseBoolean(cnfEl)
  const spts = childElements(tp, 'SPT').map((s, i) => readSpt(s, `${path}.SPT[${i}]`, mode, limits))
  return { cnf, spts }
}

function readApplicationServer(
  as: XmlElement,
  path: string,
  mode: IfcParseMode
): ApplicationServer {
  const serverName = textOf(firstChild(as, 'ServerName'))
  if (!serverName) throw new ImsParseError(`${path}.ServerName`, 'is missing or empty')
  const dhEl = firstChild(as, 'DefaultHandling')
  const dh = textOf(dhEl)
  if (mode === 'strict' && dhEl && dh !== '0' && dh !== '1')
    throw new ImsParseError(`${path}.DefaultHandling`, `must be 0 or 1, got "${dh}"`)
  const ext = firstChild(as, 'Extension')
  const serviceInfo = firstChild(as, 'ServiceInfo')
  return {
    serverName,
    // sprout ifc.cpp as_invocation: only "1" terminates; missing or malformed continues.
    defaultHandling: dh === '1' ? 'SESSION_TERMINATED' : 'SESSION_CONTINUED',
    ...(serviceInfo ? { serviceInfo: textOf(serviceInfo) } : {}),
    includeRegisterRequest: !!ext && !!firstChild(ext, 'IncludeRegisterRequest'),
    includeRegisterResponse: !!ext && !!firstChild(ext, 'IncludeRegisterResponse'),
  }
}

/** Reads one `<InitialFilterCriteria>`; throws {@link ImsParseError} naming the bad element. */
export function readIfc(
  el: XmlElement,
  index: number,
  path: string,
  mode: IfcParseMode,
  limits: Readonly<IfcPatternLimits> = DEFAULT_IFC_PATTERN_LIMITS
): InitialFilterCriteria {
  const prEl = firstChild(el, 'Priority')
  const priority = prEl ? parseInteger(prEl, `${path}.Priority`, 0, INT32_MAX) : 0
  const asEl = firstChild(el, 'ApplicationServer')
  if (!asEl) throw new ImsParseError(`${path}.ApplicationServer`, 'is missing')
  const applicationServer = readApplicationServer(asEl, `${path}.ApplicationServer`, mode)
  const ppiEl = firstChild(el, 'ProfilePartIndicator')
  const tpEl = firstChild(el, 'TriggerPoint')
  const ifc: InitialFilterCriteria = { priority, index, applicationServer }
  if (ppiEl)
    ifc.profilePartIndicator = parseInteger(ppiEl, `${path}.ProfilePartIndicator`, 0, 1) as 0 | 1
  if (tpEl) ifc.triggerPoint = readTriggerPoint(tpEl, `${path}.TriggerPoint`, mode, limits)
  return ifc
}

export interface ServiceProfileIfcs {
  /** Readable iFCs in document order (evaluation sorts them by priority). */
  ifcs: InitialFilterCriteria[]
  /** iFCs left out (lenient mode only), with the reason. */
  skipped: ImsXmlError[]
  /** `<SharedIFCSetID>` values (shared iFC sets are resolved by the S-CSCF, if configured). */
  sharedIfcSetIds: number[]
}

/**
 * Reads every `<InitialFilterCriteria>` of a `<ServiceProfile>` element. In strict mode the
 * first bad iFC throws; in lenient mode it is recorded in `skipped` and the rest are kept.
 */
export function readServiceProfileIfcs(
  sp: XmlElement,
  path: string,
  mode: IfcParseMode,
  limits: Readonly<IfcPatternLimits> = DEFAULT_IFC_PATTERN_LIMITS
): ServiceProfileIfcs {
  const out: ServiceProfileIfcs = { ifcs: [], skipped: [], sharedIfcSetIds: [] }
  childElements(sp, 'InitialFilterCriteria').forEach((el, i) => {
    const at = `${path}.InitialFilterCriteria[${i}]`
    try {
      out.ifcs.push(readIfc(el, i, at, mode, limits))
    } catch (err) {
      if (mode === 'strict' || !(err instanceof ImsParseError)) throw err
      out.skipped.push({ path: err.path, message: err.message })
    }
  })
  childElements(sp, 'SharedIFCSetID').forEach((el, i) => {
    const at = `${path}.SharedIFCSetID[${i}]`
    try {
      out.sharedIfcSetIds.push(parseInteger(el, at, 0, INT32_MAX))
    } catch (err) {
      if (mode === 'strict' || !(err instanceof ImsParseError)) throw err
      out.skipped.push({ path: err.path, message: err.message })
    }
  })
  return out
}

export interface FilterCriteriaDocument extends ServiceProfileIfcs {
  /** The parsed `<ServiceProfile>` root, for embedding into an IMS subscription. */
  root: XmlElement
}

/**
 * Parses a filter-criteria document: a `<ServiceProfile>` root holding `<InitialFilterCriteria>`
 * elements (Homestead-prov `filter_criteria`, Ellis's default iFC of §1.5). Strict mode also
 * requires at least one iFC.
 */
export function parseFilterCriteriaXml(
  xml: string,
  mode: IfcParseMode = 'strict',
  limits: Readonly<IfcPatternLimits> = DEFAULT_IFC_PATTERN_LIMITS
): ImsResult<FilterCriteriaDocument> {
  return parseDocument(xml, 'ServiceProfile', (root) => {
    const read = readServiceProfileIfcs(root, 'ServiceProfile', mode, limits)
    if (mode === 'strict' && read.ifcs.length === 0 && read.sharedIfcSetIds.length === 0)
      return fail('ServiceProfile.InitialFilterCriteria', 'at least one is required')
    return ok({ ...read, root })
  })
}
