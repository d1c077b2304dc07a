/**
 * @module sprout/charging/acr-spec
 * What Sprout charges for one transaction (clearwater-interfaces §5.11) and the ACR of each side
 * it served (TS 32.299 Role-Of-Node; shared/ims/acr-build.ts), whether the records are written
 * in process (call-charging.ts) or sent to Ralf (ralf-client.ts).
 */
import { type AccountingRecordType, buildAcr } from '../../../shared/ims/acr-build'
import type { RoutingDeps } from '../routing/routing-deps'
import type { ChargingInfo } from '../routing/tx-model'

export interface AcrSpec {
  type: AccountingRecordType
  method: string
  callId: string
  status: number
  charging: ChargingInfo
  /** Session-Expires for START (the refresh time, Ralf's interim interval proposal). */
  sessionExpiresS?: number
  /**
   * START: the INVITE's transaction. Its Timer C is Sprout's charging's to end: the interim
   * timer takes its id over, or it is deleted (call-charging.ts).
   */
  txKey?: string
  /**
   * INTERIM and STOP: the `chg` token of Sprout's Record-Route that the in-dialog request came
   * back with (charging-token.ts), unchecked; absent when its Route carried none.
   */
  dialogToken?: string
}

/** The CCFs of a side: the HSS's charging addresses, else `CDF_IDENTITY`. */
export function ccfsOf(d: RoutingDeps, who: { ccfs: string[] }): string[] {
  return who.ccfs.length > 0 ? who.ccfs : d.routing.cdfIdentity ? [d.routing.cdfIdentity] : []
}

/** The ACR of one side (shared/ims/acr-build.ts). */
export function acrOf(
  a: AcrSpec,
  role: 'orig' | 'term',
  ccfs: readonly string[],
  atMs: number
): Record<string, unknown> {
  const c = a.charging
  return buildAcr({
    type: a.type,
    role,
    method: a.method,
    callId: a.callId,
    icid: c.icid,
    origIoi: c.origIoi,
    termIoi: undefined,
    callingParty: [c.calling],
    calledParty: c.called,
    from: c.calling,
    atMs,
    statusCode: a.status,
    ccfs,
    ...(a.sessionExpiresS !== undefined ? { interimIntervalS: a.sessionExpiresS } : {}),
  })
}
