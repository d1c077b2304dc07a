/**
 * @module ims/mmtel-diversion
 * What a diversion writes into the request (clearwater-interfaces §5.9 "Diversion mechanics";
 * TS 24.604 §4.5.2.6.1): the Request-URI becomes the target; a `Diversion` entry names the
 * diverting user with the RFC 5806 reason and a `counter`; `History-Info` (RFC 7044) gets an entry
 * for the original target if it had none, the previous entry's URI gets the
 * `Reason: SIP;cause=<code>` header (RFC 7044 §9.3), and the new target is added as its child
 * (`index=<parent>.1`, `mp=<parent>`: retargeted to another user) with the RFC 4458 `cause` URI
 * parameter. A call may be diverted at most {@link MAX_DIVERSIONS} times: the next one is refused
 * and the call fails with the status that triggered it.
 */
import { type NameAddr, serializeNameAddr } from '../sip/name-addr'
import { getParam, type Param, withParam } from '../sip/params'
import { parseUri, serializeUri, type Uri } from '../sip/uri'
import type { DiversionCause } from './mmtel-cdiv'

/** Diversions one call may go through (counted by Diversion entries). */
export const MAX_DIVERSIONS = 5

/** A usable diversion target (sip, sips or tel), or undefined (`12345`: the call fails, 480). */
export function diversionTarget(text: string): Uri | undefined {
  const t = text.trim().replace(/^<(.*)>$/, '$1')
  try {
    const u = parseUri(t)
    if (u.kind === 'sip' && u.host !== '') return u
    if (u.kind === 'tel' && /^\+?[\d\-.()]+$/.test(u.number)) return u
    return undefined
  } catch {
    return undefined
  }
}

export interface DiversionWrite {
  /** The new Diversion entry, to be put before the existing ones. */
  diversion: string
  /** The whole History-Info list to write, oldest first. */
  historyInfo: string[]
}

function withReason(entry: NameAddr, cause: number): string {
  if (entry.uri.kind !== 'sip') return serializeNameAddr(entry)
  const headers: Param[] = entry.uri.headers.filter((h) => h.name.toLowerCase() !== 'reason')
  headers.push({ name: 'Reason', value: `SIP%3Bcause%3D${cause}` })
  return serializeNameAddr({ ...entry, uri: { ...entry.uri, headers } })
}

function targetWithCause(target: Uri, cause: number): string {
  if (target.kind === 'sip' || target.kind === 'tel')
    return serializeUri({ ...target, params: withParam(target.params, 'cause', String(cause)) })
  return serializeUri(target)
}

/**
 * The headers a diversion from `diverting` (the old Request-URI) to `target` adds, given the
 * History-Info entries and the number of Diversion entries the request already carries.
 */
export function diversionHeaders(opts: {
  diverting: Uri
  target: Uri
  cause: DiversionCause
  historyInfo: readonly NameAddr[]
  diversionCount: number
}): DiversionWrite {
  const { diverting, target, cause } = opts
  const diversion = `<${serializeUri(diverting)}>;reason=${cause.reason};counter=${opts.diversionCount + 1}`
  const entries: NameAddr[] = [...opts.historyInfo]
  if (entries.length === 0)
    entries.push({ displayName: null, uri: diverting, params: [{ name: 'index', value: '1' }] })
  const last = entries[entries.length - 1]!
  const parent = getParam(last.params, 'index') ?? String(entries.length)
  const out = entries.slice(0, -1).map(serializeNameAddr)
  out.push(withReason(last, cause.cause))
  out.push(`<${targetWithCause(target, cause.cause)}>;index=${parent}.1;mp=${parent}`)
  return { diversion, historyInfo: out }
}
