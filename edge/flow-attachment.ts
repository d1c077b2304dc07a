/**
 * @module edge/flow-attachment
 * What a flow keeps in its socket's attachment (edge/flow-state.ts plus where it was reached
 * from), which survives hibernation, and how the upgrade request fills it in.
 */
import { isRegion } from '../shared/config/regions'
import { CLIENT_ADDRESS_HEADER } from './address-gate'
import type { EdgeConfig } from './edge-config'
import { type FlowState, newFlowState } from './flow-state'
import { markProtectedFlow, PROTECTED_FLOW_HEADER } from './protected-flow'

export interface Attachment {
  state: FlowState
  publicHost: string
  edgeUrl: string
  /** The client address this flow is counted under (edge/address-gate.ts), if any. */
  address?: string
}

/** The attachment of a flow accepted from the edge worker's `GET /connect` upgrade. */
export function newAttachment(
  request: Request,
  cfg: Pick<EdgeConfig, 'homeRegion' | 'rateBurst'>,
  token: string,
  now: number
): Attachment {
  const home = request.headers.get('x-edgewater-home')
  const att: Attachment = {
    state: newFlowState(token, isRegion(home) ? home : cfg.homeRegion, cfg.rateBurst, now),
    publicHost: request.headers.get('x-edgewater-public-host') ?? 'edge.invalid',
    edgeUrl: request.headers.get('x-edgewater-edge-url') ?? 'http://edge.invalid',
  }
  const address = request.headers.get(CLIENT_ADDRESS_HEADER)
  if (address) att.address = address
  markProtectedFlow(att.state, request.headers.get(PROTECTED_FLOW_HEADER))
  return att
}
