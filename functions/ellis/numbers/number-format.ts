/**
 * @module ellis/numbers/number-format
 * The JSON shape of a number in Ellis's answers (clearwater-interfaces §1.3): `sip_uri`,
 * `sip_username`, `number` and `domain` (the URI's user and host), `formatted_number` (a
 * ten-digit North American number as `(650) 555-0001`, an eleven-digit one starting with 1 as
 * `+1 (650) 555-0001`, anything else as it is), `pstn`, `number_id` (hex), `private_id`,
 * `gab_listed`, and `sip_password` only when a new private identity was just created.
 */

export interface NumberJson {
  number_id: string
  sip_uri: string
  sip_username: string
  number: string
  domain: string
  formatted_number: string
  pstn: boolean
  private_id: string
  gab_listed?: number
  sip_password?: string
}

export function splitSipUri(sipUri: string): { user: string; host: string } {
  const m = /^sips?:([^@]*)@([^;?]*)/.exec(sipUri)
  if (m) return { user: m[1]!, host: m[2]! }
  return { user: sipUri.replace(/^sips?:/, ''), host: '' }
}

export function formatNumber(number: string): string {
  if (/^\d{10}$/.test(number))
    return `(${number.slice(0, 3)}) ${number.slice(3, 6)}-${number.slice(6)}`
  if (/^1\d{10}$/.test(number))
    return `+1 (${number.slice(1, 4)}) ${number.slice(4, 7)}-${number.slice(7)}`
  return number
}

export function numberJson(n: {
  sipUri: string
  numberId: string
  pstn: boolean
  privateId: string
  /** Clearwater: the private id when one was given, else the number (user part). */
  sipUsername?: string
  gabListed?: boolean
  sipPassword?: string
}): NumberJson {
  const { user, host } = splitSipUri(n.sipUri)
  return {
    number_id: n.numberId,
    sip_uri: n.sipUri,
    sip_username: n.sipUsername ?? user,
    number: user,
    domain: host,
    formatted_number: formatNumber(user),
    pstn: n.pstn,
    private_id: n.privateId,
    ...(n.gabListed !== undefined ? { gab_listed: n.gabListed ? 1 : 0 } : {}),
    ...(n.sipPassword !== undefined ? { sip_password: n.sipPassword } : {}),
  }
}
