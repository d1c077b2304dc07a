/**
 * @module trace/parties
 * The names a trace gives the parties of a call (the ladder's columns): `edge`, `<function>-<region>`
 * (`sprout-a`), `as:<name>`, `trunk:<name>`, `ua:<identity>` for a client, `ext:<host>` for
 * anything else. Pure.
 */
import { classifyInternal } from '../hop/internal-addresses'

/** The party an internal SIP host (a Via's, a Route's) stands for. */
export function partyOfHost(host: string, user?: string | null): string {
  const a = classifyInternal(host, user)
  if (!a) return `ext:${host.toLowerCase()}`
  switch (a.kind) {
    case 'function':
      return `${a.fn}-${a.region}`
    case 'flow':
    case 'edge':
      return 'edge'
    case 'as':
      return `as:${a.name}`
    case 'trunk':
      return `trunk:${a.name}`
  }
}

/** The party a client is: its registered identity, else its flow. */
export const clientParty = (identity: string | undefined, flow: string) =>
  `ua:${identity ?? `flow ${flow.slice(0, 8)}`}`

/** The host and user of the first `sip:`/`sips:` URI in a header value or Request-URI. */
export function hostOfUri(value: string): { host: string; user: string | null } | undefined {
  const m = /sips?:(?:([^@;>\s]+)@)?([^;>:\s]+)/i.exec(value)
  return m ? { host: m[2]!, user: m[1] ?? null } : undefined
}
