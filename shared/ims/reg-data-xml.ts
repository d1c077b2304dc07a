/**
 * @module ims/reg-data-xml
 * The `ClearwaterRegData` document Homestead returns on `/impu/<impu>/reg-data` (§2.1;
 * homestead:src/homestead_xml_utils.cpp `build_ClearwaterRegData_xml`): the registration state,
 * the previous state on a PUT of type reg or call, the IMS subscription and the charging
 * function addresses (at most two CCFs and two ECFs, priorities 1 and 2).
 */
import type { ImsResult } from './ims-result'
import { ImsParseError, ok } from './ims-result'
import { type ImsSubscription, readImsSubscription } from './ims-subscription'
import {
  childElements,
  escapeXml,
  firstChild,
  parseDocument,
  serializeElement,
  textElement,
  textOf,
  type XmlElement,
} from './xml-tree'

export const REGISTRATION_STATES = ['REGISTERED', 'UNREGISTERED', 'NOT_REGISTERED'] as const
export type RegistrationState = (typeof REGISTRATION_STATES)[number]

export interface ChargingAddresses {
  /** Charging Collection Functions, primary first. */
  ccfs: string[]
  /** Event Charging Functions, primary first. */
  ecfs: string[]
}

export interface RegDataInput {
  state: RegistrationState
  /** Only on the answer to a PUT of reqtype reg or call. */
  previousState?: RegistrationState
  /** The `<IMSSubscription>` element, embedded as is. */
  imsSubscriptionXml?: string
  chargingAddresses?: ChargingAddresses
}

function chargingXml(c: ChargingAddresses | undefined): string {
  if (!c || (c.ccfs.length === 0 && c.ecfs.length === 0)) return ''
  let s = ''
  c.ccfs.slice(0, 2).forEach((a, i) => {
    s += `<CCF priority="${i + 1}">${escapeXml(a)}</CCF>`
  })
  c.ecfs.slice(0, 2).forEach((a, i) => {
    s += `<ECF priority="${i + 1}">${escapeXml(a)}</ECF>`
  })
  return `<ChargingAddresses>${s}</ChargingAddresses>`
}

export function buildRegDataXml(input: RegDataInput): string {
  return (
    '<ClearwaterRegData>' +
    textElement('RegistrationState', input.state) +
    (input.previousState ? textElement('PreviousRegistrationState', input.previousState) : '') +
    (input.imsSubscriptionXml ?? '') +
    chargingXml(input.chargingAddresses) +
    '</ClearwaterRegData>'
  )
}

export interface RegData {
  state: RegistrationState
  previousState?: RegistrationState
  subscription?: ImsSubscription
  /** The `<IMSSubscription>` element re-serialised, for passing on (push profile, caching). */
  imsSubscriptionXml?: string
  chargingAddresses: ChargingAddresses
}

function readState(text: string, path: string): RegistrationState {
  if ((REGISTRATION_STATES as readonly string[]).includes(text)) return text as RegistrationState
  throw new ImsParseError(path, `must be one of ${REGISTRATION_STATES.join(', ')}, got "${text}"`)
}

function byPriority(els: XmlElement[]): string[] {
  return [...els]
    .sort((a, b) => Number(a.attrs.priority ?? 9) - Number(b.attrs.priority ?? 9))
    .map((e) => textOf(e))
}

/** Parses a ClearwaterRegData document (the way Sprout reads Homestead's answer). */
export function parseRegDataXml(xml: string): ImsResult<RegData> {
  return parseDocument(xml, 'ClearwaterRegData', (root) => {
    const stateEl = firstChild(root, 'RegistrationState')
    if (!stateEl) throw new ImsParseError('ClearwaterRegData.RegistrationState', 'is missing')
    const out: RegData = {
      state: readState(textOf(stateEl), 'ClearwaterRegData.RegistrationState'),
      chargingAddresses: { ccfs: [], ecfs: [] },
    }
    const prev = firstChild(root, 'PreviousRegistrationState')
    if (prev)
      out.previousState = readState(textOf(prev), 'ClearwaterRegData.PreviousRegistrationState')
    const sub = firstChild(root, 'IMSSubscription')
    if (sub) {
      out.subscription = readImsSubscription(sub)
      out.imsSubscriptionXml = serializeElement(sub)
    }
    const ca = firstChild(root, 'ChargingAddresses')
    if (ca)
      out.chargingAddresses = {
        ccfs: byPriority(childElements(ca, 'CCF')),
        ecfs: byPriority(childElements(ca, 'ECF')),
      }
    return ok(out)
  })
}
