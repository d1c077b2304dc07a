/**
 * @module sprout/routing/scscf-selection
 * How the I-CSCF picks an S-CSCF when Homestead answers with capabilities rather than a name
 * (TS 29.228 §6.1.1/§6.1.2 Server-Capabilities; clearwater-interfaces §5.7, Clearwater's
 * scscfselector.cpp), from the deployment's `SCSCF_JSON`, Clearwater's s-cscf.json:
 *
 *   `{"s-cscfs":[{"server":"sip:sprout.a.edgewater.internal","priority":0,"weight":100,"capabilities":[1,2]}]}`
 *
 * An S-CSCF qualifies when it has every mandatory capability and has not been tried for this
 * request. Qualifying S-CSCFs are ordered by the number of optional capabilities they have (most
 * first), then by priority (lowest first, as DNS SRV, RFC 2782), then at random in proportion to
 * their weight within one priority. The order is the retry order: the first is offered the
 * request, the next one when that fails. The random source is injected so tests are exact.
 */
import { z } from 'zod'
import { parseUri } from '../../../shared/sip/uri'

export const scscfShape = z.object({
  's-cscfs': z.array(
    z.object({
      server: z.string().regex(/^sips?:/i, 'server must be a SIP URI'),
      priority: z.number().int().min(0).max(65_535).default(0),
      weight: z.number().int().min(0).max(65_535).default(100),
      capabilities: z.array(z.number().int().min(0)).default([]),
    })
  ),
})

export type ScscfEntry = z.infer<typeof scscfShape>['s-cscfs'][number]

/** Homestead's Server-Capabilities (the `mandatory-capabilities`/`optional-capabilities` arrays). */
export interface ScscfCapabilities {
  mandatory: readonly number[]
  optional: readonly number[]
}

/**
 * The identity of an S-CSCF's URI for comparison: scheme, lower-cased host and port, without
 * parameters (RFC 3261 §19.1.4 compares hosts case-insensitively). Undefined when not a SIP URI.
 */
export function scscfKey(uri: string): string | undefined {
  try {
    const u = parseUri(uri.trim().replace(/^<(.*)>$/, '$1'))
    if (u.kind !== 'sip') return undefined
    return `${u.scheme}:${u.host.toLowerCase()}${u.port ? `:${u.port}` : ''}`
  } catch {
    return undefined
  }
}

/** Orders `items` by weighted random draws without replacement (RFC 2782's weight rule). */
function weightedOrder<T extends { weight: number }>(items: T[], random: () => number): T[] {
  const left = [...items]
  const out: T[] = []
  while (left.length > 0) {
    const total = left.reduce((n, e) => n + e.weight, 0)
    let pick = 0
    if (total > 0) {
      let r = random() * total
      pick = left.findIndex((e) => {
        r -= e.weight
        return r < 0
      })
      if (pick < 0) pick = left.length - 1
    }
    out.push(...left.splice(pick, 1))
  }
  return out
}

/**
 * The S-CSCFs to offer a request to, best first: those with every mandatory capability that are
 * not in `tried` (keys from {@link scscfKey}).
 */
export function rankScscfs(
  entries: readonly ScscfEntry[],
  caps: ScscfCapabilities,
  tried: ReadonlySet<string>,
  random: () => number
): string[] {
  const scored = entries
    .filter((e) => {
      const key = scscfKey(e.server)
      return key !== undefined && !tried.has(key)
    })
    .filter((e) => caps.mandatory.every((c) => e.capabilities.includes(c)))
    .map((e) => ({
      ...e,
      optional: caps.optional.filter((c) => e.capabilities.includes(c)).length,
    }))
  const groups = new Map<string, typeof scored>()
  for (const e of scored) {
    const g = `${e.optional}:${e.priority}`
    groups.set(g, [...(groups.get(g) ?? []), e])
  }
  const order = [...groups.values()].sort(
    (x, y) => y[0]!.optional - x[0]!.optional || x[0]!.priority - y[0]!.priority
  )
  return order.flatMap((g) => weightedOrder(g, random)).map((e) => e.server)
}
