/**
 * @module sprout/registrar/gruu
 * Public GRUUs (RFC 5627 §3.1–3.2): the AoR with a `gr` URI parameter holding the instance id.
 * Characters a URI parameter value may not carry raw (RFC 3261 §25.1 `paramchar`) are
 * %-escaped with lower-case hex, as Clearwater does (clearwater-interfaces §10 test 57:
 * `gr=geo:37.786971%2c-122.399677%3bcrs%3dMoon-2011%3bu%3d35`). Only SIP AoRs have GRUUs.
 */

// paramchar = param-unreserved / unreserved / escaped (RFC 3261 §25.1).
const RAW = /[A-Za-z0-9\-_.!~*'()[\]/:&+$]/

function escapeGr(text: string): string {
  let out = ''
  for (const ch of text) {
    if (RAW.test(ch)) {
      out += ch
      continue
    }
    for (const b of new TextEncoder().encode(ch)) out += `%${b.toString(16).padStart(2, '0')}`
  }
  return out
}

/** The public GRUU of `instance` (without `<>` or quotes) at `aor`, or undefined for a tel AoR. */
export function pubGruu(aor: string, instance: string): string | undefined {
  if (!/^sips?:/i.test(aor)) return undefined
  return `${aor};gr=${escapeGr(instance)}`
}
