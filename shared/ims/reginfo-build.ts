/**
 * @module ims/reginfo-build
 * Writes a {@link Reginfo} as an `application/reginfo+xml` document (RFC 3680 §5.3–5.4) with the
 * namespace prefixes Clearwater's notify_sender.cpp uses: the default namespace for reginfo,
 * `gr:` for the GRUU extension (RFC 5628 §3) and `ere:` for wildcarded identities
 * (TS 24.229 §7.10). Element order follows the schema's sequences: `uri`, `display-name`,
 * `unknown-param`*, then extension elements.
 */

import {
  EXT_REG_EXP_NS,
  GRUUINFO_NS,
  REGINFO_NS,
  type Reginfo,
  type ReginfoContact,
  type ReginfoRegistration,
} from './reginfo-model'
import { escapeXml } from './xml-tree'

const XSI_NS = 'http://www.w3.org/2001/XMLSchema-instance'

const attr = (name: string, value: string | number | undefined): string =>
  value === undefined ? '' : ` ${name}="${escapeXml(String(value))}"`

function contactXml(c: ReginfoContact): string {
  let s =
    `<contact${attr('id', c.id)}${attr('state', c.state)}${attr('event', c.event)}` +
    `${attr('duration-registered', c.durationRegistered)}${attr('expires', c.expires)}` +
    `${attr('retry-after', c.retryAfter)}${attr('q', c.q)}${attr('callid', c.callid)}` +
    `${attr('cseq', c.cseq)}>`
  s += `<uri>${escapeXml(c.uri)}</uri>`
  if (c.displayName !== undefined) s += `<display-name>${escapeXml(c.displayName)}</display-name>`
  for (const p of c.unknownParams)
    s +=
      p.value === ''
        ? `<unknown-param${attr('name', p.name)}/>`
        : `<unknown-param${attr('name', p.name)}>${escapeXml(p.value)}</unknown-param>`
  if (c.pubGruu !== undefined) s += `<gr:pub-gruu${attr('uri', c.pubGruu)}/>`
  for (const t of c.tempGruus ?? [])
    s += `<gr:temp-gruu${attr('uri', t.uri)}${attr('first-cseq', t.firstCseq)}/>`
  return `${s}</contact>`
}

function registrationXml(r: ReginfoRegistration): string {
  let s = `<registration${attr('aor', r.aor)}${attr('id', r.id)}${attr('state', r.state)}>`
  for (const c of r.contacts) s += contactXml(c)
  if (r.wildcardedIdentity !== undefined)
    s += `<ere:wildcardedIdentity>${escapeXml(r.wildcardedIdentity)}</ere:wildcardedIdentity>`
  return `${s}</registration>`
}

/** The document text, with an XML declaration. */
export function buildReginfoXml(info: Reginfo): string {
  let s =
    '<?xml version="1.0" encoding="UTF-8"?>' +
    `<reginfo xmlns="${REGINFO_NS}" xmlns:gr="${GRUUINFO_NS}" xmlns:xsi="${XSI_NS}"` +
    ` xmlns:ere="${EXT_REG_EXP_NS}"${attr('version', info.version)}${attr('state', info.state)}>`
  for (const r of info.registrations) s += registrationXml(r)
  return `${s}</reginfo>`
}
