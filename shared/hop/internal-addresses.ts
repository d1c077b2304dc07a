/**
 * @module internal-addresses
 * How the SIP URIs that appear in Via, Route, Record-Route, Path and Service-Route name
 * Edgewater's own components (architecture §3). They are never resolved by DNS: the
 * {@link createResolver resolver} maps them to HTTP endpoints from configuration.
 *
 * - a function of a region: host `<function>.<region>.edgewater.internal`, e.g. the S-CSCF of
 *   region a is `sip:sprout.a.edgewater.internal;lr` (Service-Route adds `;orig`);
 * - a flow at the edge: `sip:<flow-token>@edge.edgewater.internal;lr` (Path adds `;ob`);
 *   the edge's own Via is `SIP/2.0/HTTP edge.edgewater.internal;branch=…;flow=<flow-token>`;
 * - an application server by name: host `<name>.as.edgewater.internal`;
 * - a SIP trunk by name: host `<name>.trunk.edgewater.internal`, the signed side of an SBC
 *   adapter (docs/trunk.md).
 */
import { FUNCTIONS, type FunctionName, isRegion, type Region } from '../config/regions'

export const INTERNAL_SUFFIX = '.edgewater.internal'
export const EDGE_HOST = `edge${INTERNAL_SUFFIX}`
/** Transport token of internal hops in Via (the message travels as an HTTP request body). */
export const HOP_TRANSPORT = 'HTTP'
/** Via parameter naming the flow a response must return to. */
export const FLOW_VIA_PARAM = 'flow'

export const functionHost = (fn: FunctionName, region: Region): string =>
  `${fn}.${region}${INTERNAL_SUFFIX}`
export const asHost = (name: string): string => `${name}.as${INTERNAL_SUFFIX}`
export const trunkHost = (name: string): string => `${name}.trunk${INTERNAL_SUFFIX}`

export type InternalAddress =
  | { kind: 'function'; fn: FunctionName; region: Region }
  | { kind: 'flow'; token: string }
  | { kind: 'edge' }
  | { kind: 'as'; name: string }
  | { kind: 'trunk'; name: string }

/**
 * Classifies a URI's host (and user part, for flows) as one of ours, or undefined for a host
 * outside the deployment. Host comparison is case-insensitive (RFC 3261 §19.1.4).
 */
export function classifyInternal(host: string, user?: string | null): InternalAddress | undefined {
  const h = host.toLowerCase()
  if (!h.endsWith(INTERNAL_SUFFIX)) return undefined
  if (h === EDGE_HOST) return user ? { kind: 'flow', token: user } : { kind: 'edge' }
  const labels = h.slice(0, -INTERNAL_SUFFIX.length).split('.')
  if (labels.length === 2 && labels[1] === 'as' && labels[0]) return { kind: 'as', name: labels[0] }
  if (labels.length === 2 && labels[1] === 'trunk' && labels[0])
    return { kind: 'trunk', name: labels[0] }
  const [fn, region] = labels
  if (labels.length === 2 && (FUNCTIONS as readonly string[]).includes(fn!) && isRegion(region)) {
    return { kind: 'function', fn: fn as FunctionName, region }
  }
  return undefined
}
