/**
 * @module sprout/reg-event/reginfo-view
 * The reginfo document a NOTIFY carries (RFC 3680 §5, RFC 5628 §3; clearwater-interfaces §5.4):
 * always full state; one `registration` per unbarred public identity of the implicit
 * registration set (they share the AoR's bindings), `active` while it has a contact and
 * `terminated` otherwise; one `contact` per binding with the RFC 3680 §5.2 event that applies
 * (`registered` by default, or what just happened to it), the binding's parameters other than q
 * and expires as `unknown-param`, and the public GRUU of a binding with an instance id. Contacts
 * that just went away are listed `terminated` with their event. Pure.
 */
import type {
  Reginfo,
  ReginfoContact,
  ReginfoContactEvent,
} from '../../../shared/ims/reginfo-model'
import { type Binding, remainingSeconds } from '../registrar/binding-model'
import { isEmergencyBinding } from '../registrar/emergency'
import { pubGruu } from '../registrar/gruu'

/** A binding that left the AoR and why. */
export interface EndedContact {
  id: string
  uri: string
  params: Array<[string, string | null]>
  instance?: string
  event: Extract<ReginfoContactEvent, 'expired' | 'unregistered' | 'deactivated' | 'rejected'>
}

export interface ReginfoInput {
  /** Unbarred public identities of the set, default first. */
  identities: string[]
  bindings: Binding[]
  /** Events of bindings that changed in this update (others are `registered`). */
  events?: Record<string, ReginfoContactEvent>
  ended?: EndedContact[]
  version: number
  nowMs: number
}

function regId(aor: string): string {
  let h = 0x811c9dc5
  for (let i = 0; i < aor.length; i++) h = Math.imul(h ^ aor.charCodeAt(i), 0x01000193) >>> 0
  return `r${h.toString(16).padStart(8, '0')}`
}

const params = (p: Array<[string, string | null]>) =>
  p.map(([name, value]) => ({ name, value: value ?? '' }))

export function buildReginfo(input: ReginfoInput): Reginfo {
  // Emergency bindings are not reported (registrar/emergency.ts).
  const bindings = input.bindings.filter((b) => !isEmergencyBinding(b))
  return {
    version: input.version,
    state: 'full',
    registrations: input.identities.map((aor) => {
      const contacts: ReginfoContact[] = []
      // Contacts that just ended come first (live test 93 reads the first contact's event).
      for (const e of input.ended ?? []) {
        const gruu = e.instance ? pubGruu(aor, e.instance) : undefined
        contacts.push({
          id: e.id,
          state: 'terminated',
          event: e.event,
          uri: e.uri,
          unknownParams: params(e.params),
          ...(gruu ? { pubGruu: gruu } : {}),
        })
      }
      for (const b of bindings) {
        const gruu = b.data.instance ? pubGruu(aor, b.data.instance) : undefined
        contacts.push({
          id: b.id,
          state: 'active',
          event: input.events?.[b.id] ?? 'registered',
          uri: b.data.uri,
          unknownParams: params(b.data.params),
          expires: remainingSeconds(b.expires, input.nowMs),
          ...(b.data.q ? { q: b.data.q } : {}),
          callid: b.data.cid,
          cseq: b.data.cseq,
          ...(gruu ? { pubGruu: gruu } : {}),
        })
      }
      return {
        aor,
        id: regId(aor),
        state: bindings.length > 0 ? 'active' : 'terminated',
        contacts,
      }
    }),
  }
}
