/**
 * @module sprout/routing/deliver
 * The end of terminating handling: from the callee's registered bindings to the forks
 * (clearwater-interfaces §5.6 "route to UE bindings"; RFC 3261 §16.5–16.6):
 *
 * - not registered, or no binding: 480 Temporarily Unavailable;
 * - a Request-URI with `gr` (RFC 5627 §5.1) targets the one binding whose public GRUU it is
 *   (other URI parameters do not matter); an unknown GRUU is 480;
 * - RFC 3841 caller preferences filter and order the rest (shared/ims/caller-prefs.ts), keeping at
 *   most `MAX_FORKS`;
 * - each fork goes to the binding's Contact URI along the binding's Path (RFC 3327), which leads
 *   to the edge and the right flow, with `P-Called-Party-ID` naming the dialled identity
 *   (RFC 3455 §4.2).
 */
import { applyCallerPrefs, predicateOf } from '../../../shared/ims/caller-prefs'
import type { SipRequest } from '../../../shared/sip'
import { unescapeUri } from '../../../shared/sip/escape'
import { getParam } from '../../../shared/sip/params'
import type { Binding } from '../registrar/binding-model'
import type { ForkInfo } from './tx-model'

export interface Delivery {
  forks: Array<{ info: Omit<ForkInfo, 'via'>; calledParty: string }>
}

export type DeliveryResult =
  | { ok: true; value: Delivery }
  | { ok: false; status: 480; reason: string }

/** The instance a GRUU Request-URI targets, or undefined when it is not a GRUU. */
export function gruuInstance(req: SipRequest): string | undefined {
  const u = req.uri
  if (u.kind !== 'sip') return undefined
  const gr = getParam(u.params, 'gr')
  return gr === undefined || gr === null ? undefined : unescapeUri(gr)
}

const q = (b: Binding): number => {
  const v = b.data.q === undefined ? 1 : Number(b.data.q)
  return Number.isFinite(v) ? v : 1
}

export function planDelivery(
  req: SipRequest,
  aor: string,
  bindings: readonly Binding[],
  maxForks: number
): DeliveryResult {
  if (bindings.length === 0) return { ok: false, status: 480, reason: 'Temporarily Unavailable' }
  let candidates = bindings
  const instance = gruuInstance(req)
  if (instance !== undefined) {
    candidates = bindings.filter(
      (b) => b.data.instance !== undefined && b.data.instance === instance
    )
    if (candidates.length === 0)
      return { ok: false, status: 480, reason: 'Temporarily Unavailable (unknown GRUU)' }
  }
  const pred = (name: 'accept-contact' | 'reject-contact') =>
    req.getAll(name).map((v) => predicateOf(v.params))
  const ranked = applyCallerPrefs(
    candidates.map((b) => ({
      item: b,
      q: q(b),
      expires: b.expires,
      params: b.data.params.map(([name, value]) => ({ name, value })),
    })),
    {
      accept: pred('accept-contact'),
      reject: pred('reject-contact'),
      method: req.method,
      ...(req.getRaw('event') ? { eventPackage: req.get('event')?.value } : {}),
      maxTargets: maxForks,
    }
  )
  if (ranked.length === 0)
    return { ok: false, status: 480, reason: 'Temporarily Unavailable (no matching contact)' }
  const calledParty = `<${req.uriText}>`
  return {
    ok: true,
    value: {
      forks: ranked.map(({ item: b }) => ({
        info: {
          uri: b.data.uri,
          routes: [...b.data.paths],
          kind: 'ua' as const,
          binding: { aor, id: b.id, cseq: b.cseq },
        },
        calledParty,
      })),
    },
  }
}
