/**
 * @module ims/acr-build
 * The accounting requests the S-CSCF sends Ralf (clearwater-interfaces §5.11 and §7; TS 32.299
 * ACR AVPs carried as JSON): which record type a transaction makes — EVENT for REGISTER,
 * SUBSCRIBE, NOTIFY, PUBLISH, MESSAGE, OPTIONS and the like and for a failed INVITE; START for an
 * answered initial INVITE; INTERIM for other in-dialog requests; STOP for BYE — and the ACR body
 * for one role (originating or terminating) of the S-CSCF.
 */

export const ACCOUNTING_RECORD_TYPE = { EVENT: 1, START: 2, INTERIM: 3, STOP: 4 } as const
export type AccountingRecordType = keyof typeof ACCOUNTING_RECORD_TYPE

/** TS 32.299 §7.2.98 Role-Of-Node. */
export const ROLE_OF_NODE = { orig: 0, term: 1 } as const
/** TS 32.299 §7.2.86 Node-Functionality: the S-CSCF. */
export const NODE_FUNCTIONALITY_SCSCF = 0

/** The record type of a transaction, or undefined when it makes none (ACK, CANCEL, 1xx). */
export function recordTypeOf(
  method: string,
  status: number,
  inDialog: boolean
): AccountingRecordType | undefined {
  if (method === 'ACK' || method === 'CANCEL' || status < 200) return undefined
  if (method === 'BYE') return 'STOP'
  if (method === 'INVITE' && !inDialog) return status < 300 ? 'START' : 'EVENT'
  if (inDialog && method !== 'NOTIFY' && method !== 'MESSAGE') return 'INTERIM'
  return 'EVENT'
}

export interface AcrInput {
  type: AccountingRecordType
  role: keyof typeof ROLE_OF_NODE
  method: string
  callId: string
  /** P-Charging-Vector icid-value, when known. */
  icid: string | undefined
  origIoi: string | undefined
  termIoi: string | undefined
  callingParty: string[]
  calledParty: string
  from: string
  /** Event time, epoch ms. */
  atMs: number
  statusCode: number
  /** CCF addresses (START/EVENT need at least one for Ralf to charge). */
  ccfs: readonly string[]
  /** Proposed interim interval (the session-expires), seconds. */
  interimIntervalS?: number
}

/** The ACR JSON body Ralf accepts on `POST /call-id/<id>`. */
export function buildAcr(a: AcrInput): Record<string, unknown> {
  const seconds = Math.floor(a.atMs / 1000)
  const ims: Record<string, unknown> = {
    'Role-Of-Node': ROLE_OF_NODE[a.role],
    'Node-Functionality': NODE_FUNCTIONALITY_SCSCF,
    'Event-Type': { 'SIP-Method': a.method },
    'User-Session-Id': a.callId,
    'Calling-Party-Address': a.callingParty,
    'Called-Party-Address': a.calledParty,
    'Time-Stamps': {
      'SIP-Request-Timestamp': seconds,
      'SIP-Request-Timestamp-Fraction': a.atMs % 1000,
    },
    'From-Address': a.from,
    'Cause-Code': a.statusCode >= 300 ? a.statusCode : 0,
  }
  if (a.icid) ims['IMS-Charging-Identifier'] = a.icid
  const ioi: Record<string, string> = {}
  if (a.origIoi) ioi['Originating-IOI'] = a.origIoi
  if (a.termIoi) ioi['Terminating-IOI'] = a.termIoi
  if (Object.keys(ioi).length > 0) ims['Inter-Operator-Identifier'] = [ioi]
  const event: Record<string, unknown> = {
    'Accounting-Record-Type': ACCOUNTING_RECORD_TYPE[a.type],
    'Event-Timestamp': seconds,
    'Service-Information': { 'IMS-Information': ims },
  }
  if (a.interimIntervalS !== undefined && a.type === 'START')
    event['Acct-Interim-Interval'] = a.interimIntervalS
  const body: Record<string, unknown> = { event }
  if (a.ccfs.length > 0) body.peers = { ccf: [...a.ccfs] }
  return body
}
