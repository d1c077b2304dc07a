/**
 * @module sprout/test-as/as-behaviour
 * What the local cloud's test application server does with a request (pure): the behaviour comes
 * from an `X-Test-As: <as name>=<behaviour>` header on the request when one names this AS
 * (several may be present, or one comma-separated list), else from the AS's own name:
 *
 * | behaviour | name default | what the AS does |
 * |---|---|---|
 * | `proxy` | anything else | proxies the request back along its Route (the S-CSCF's ODI route), like Memento |
 * | `answer` | `answer…` | answers as a UAS: 200 with a Contact of its own; ACK and BYE end at it |
 * | `reject:<code>` | `reject-<code>` | answers `<code>` |
 * | `redirect:<uri>` | – | answers 302 with `Contact: <uri>` |
 * | `retarget:<uri>` | – | proxies with the Request-URI replaced (a diverting AS) |
 * | `silent` | `silent…` | never answers (exercises the liveness timer) |
 * | `fail` | `fail…` | answers 503 at once |
 * | `b2bua` | `b2bua…` | answers as a UAS and places a new call of its own to the same target (b2bua.ts) |
 */

export type AsBehaviour =
  | { kind: 'proxy' }
  | { kind: 'answer' }
  | { kind: 'reject'; status: number }
  | { kind: 'redirect'; target: string }
  | { kind: 'retarget'; target: string }
  | { kind: 'silent' }
  | { kind: 'fail' }
  | { kind: 'b2bua' }

export function parseBehaviour(text: string): AsBehaviour | undefined {
  const t = text.trim()
  const colon = t.indexOf(':')
  const verb = (colon < 0 ? t : t.slice(0, colon)).toLowerCase()
  const arg = colon < 0 ? '' : t.slice(colon + 1).trim()
  switch (verb) {
    case 'proxy':
      return { kind: 'proxy' }
    case 'answer':
      return { kind: 'answer' }
    case 'silent':
      return { kind: 'silent' }
    case 'fail':
      return { kind: 'fail' }
    case 'b2bua':
      return { kind: 'b2bua' }
    case 'reject': {
      const status = Number(arg)
      return Number.isInteger(status) && status >= 300 && status <= 699
        ? { kind: 'reject', status }
        : undefined
    }
    case 'redirect':
      return arg ? { kind: 'redirect', target: arg } : undefined
    case 'retarget':
      return arg ? { kind: 'retarget', target: arg } : undefined
    default:
      return undefined
  }
}

function fromName(name: string): AsBehaviour {
  const n = name.toLowerCase()
  const reject = /^reject-(\d{3})/.exec(n)
  if (reject) return { kind: 'reject', status: Number(reject[1]) }
  if (n.startsWith('answer')) return { kind: 'answer' }
  if (n.startsWith('silent')) return { kind: 'silent' }
  if (n.startsWith('fail')) return { kind: 'fail' }
  if (n.startsWith('b2bua')) return { kind: 'b2bua' }
  return { kind: 'proxy' }
}

/** The behaviour of AS `name` for a request carrying these `X-Test-As` values. */
export function behaviourFor(name: string, headerValues: readonly string[]): AsBehaviour {
  for (const v of headerValues)
    for (const item of v.split(',')) {
      const eq = item.indexOf('=')
      if (eq < 0) continue
      if (item.slice(0, eq).trim().toLowerCase() !== name.toLowerCase()) continue
      const b = parseBehaviour(item.slice(eq + 1))
      if (b) return b
    }
  return fromName(name)
}
