/**
 * @module resolver
 * The one place that turns an internal SIP address (internal-addresses.ts) into the HTTP
 * endpoint that receives SIP for it: a function's `/sip`, a flow's signed endpoint at the edge,
 * or an application server's or a SIP trunk adapter's URL from configuration (docs/trunk.md).
 * An address outside the deployment resolves to nothing: such a hop is an error for the caller
 * to answer (e.g. 404/480/502 by context).
 */
import type { FunctionUrls } from '../config/regions'
import { classifyInternal, type InternalAddress } from './internal-addresses'

export interface ResolverConfig {
  functionUrls: FunctionUrls
  /** Base URL of the edge as seen from this component. */
  edgeUrl: string
  /** Application servers by name: `{ "mmtel-test": "https://…/sip" }`. */
  applicationServers?: Record<string, string>
  /** SIP trunk adapters by name: `{ "pstn": "https://sbc.example.net/sip" }` (docs/trunk.md). */
  trunks?: Record<string, string>
}

export interface ResolvedHop {
  address: InternalAddress
  /** The URL to POST `message/sip` to. */
  url: string
}

export const FLOW_SIP_PATH = (token: string) => `/internal/flows/${encodeURIComponent(token)}/sip`

export function createResolver(config: ResolverConfig) {
  const edge = config.edgeUrl.replace(/\/+$/, '')
  return {
    /** Resolves a URI's host and user part; undefined when it is not one of ours. */
    resolve(host: string, user?: string | null): ResolvedHop | undefined {
      const address = classifyInternal(host, user)
      if (!address) return undefined
      switch (address.kind) {
        case 'function':
          return { address, url: `${config.functionUrls[address.region][address.fn]}/sip` }
        case 'flow':
          return { address, url: `${edge}${FLOW_SIP_PATH(address.token)}` }
        case 'as': {
          const url = config.applicationServers?.[address.name]
          return url ? { address, url } : undefined
        }
        case 'trunk': {
          const url = config.trunks?.[address.name]
          return url ? { address, url } : undefined
        }
        case 'edge':
          return undefined
      }
    },
  }
}

export type Resolver = ReturnType<typeof createResolver>
