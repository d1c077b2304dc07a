/**
 * @module sprout/registrar/binding-plan
 * Step 3 of REGISTER processing as a pure function (RFC 3261 §10.3 steps 6–7, RFC 5626 §6,
 * clearwater-interfaces §5.3 step 4): from the AoR's live bindings and the parsed REGISTER,
 * the binding writes to make and the bindings that result.
 * - A Contact whose binding exists from the same Call-ID with an equal or higher CSeq aborts
 *   the request (§10.3 step 7: 500); another Call-ID always replaces it (a reloaded page).
 * - Expiry 0 removes the binding (a tombstone write); `Contact: *` removes them all except the
 *   emergency ones, which end at their expiry (emergency.ts).
 * - A new flow for the same `+sip.instance` and `reg-id` replaces the old binding (RFC 5626 §6).
 * - More bindings than the configured cap: 403.
 * Versions only grow: the write time in ms, or one more than the stored version.
 */
import { SipError } from '../../../shared/sip/errors'
import { findParam } from '../../../shared/sip/params'
import { serializeUri } from '../../../shared/sip/uri'
import type { Binding, BindingData } from './binding-model'
import { isEmergencyBinding } from './emergency'
import type { ParsedRegistration } from './parse-registration'

export type RegisterKind = 'initial' | 'reregister' | 'deregister' | 'fetch'

/** RFC 3680 §5.2 contact events a REGISTER can cause. */
export type BindingEvent = 'registered' | 'refreshed' | 'unregistered'

export interface BindingChange {
  id: string
  event: BindingEvent
  before?: Binding
  /** The record to write (a tombstone for `unregistered`). */
  after: Binding
}

export interface BindingPlan {
  kind: RegisterKind
  changes: BindingChange[]
  /** Live bindings after the writes, oldest first. */
  bindings: Binding[]
  /** The AoR had no live binding before this REGISTER. */
  initial: boolean
}

/** Parameters not stored with a binding: they are per-response (RFC 3261 §10.3, RFC 5627 §5). */
const NOT_STORED = new Set(['expires', 'q', 'pub-gruu', 'temp-gruu'])

export function nextVersion(nowMs: number, before?: Binding): number {
  return Math.max(Math.floor(nowMs), before ? before.cseq + 1 : 0)
}

export function planBindings(
  reg: ParsedRegistration,
  current: readonly Binding[],
  nowMs: number,
  maxBindings: number
): BindingPlan {
  const byId = new Map(current.map((b) => [b.id, b]))
  const initial = current.length === 0
  if (reg.fetch) return { kind: 'fetch', changes: [], bindings: [...current], initial }

  const nowS = nowMs / 1000
  const changes: BindingChange[] = []
  const tombstone = (b: Binding): BindingChange => ({
    id: b.id,
    event: 'unregistered',
    before: b,
    after: {
      id: b.id,
      cseq: nextVersion(nowMs, b),
      expires: nowS,
      data: { ...b.data, cid: reg.callId, cseq: reg.cseq, removed: true },
    },
  })

  if (reg.wildcard) {
    for (const b of current) {
      if (isEmergencyBinding(b)) continue
      if (inOrder(reg, b)) changes.push(tombstone(b))
    }
  } else {
    const seen = new Set<string>()
    for (const c of reg.contacts) {
      const id = c.key.id
      // RFC 3261 §10.3 step 7 processes each Contact once; a repeated one is ignored.
      if (seen.has(id)) continue
      seen.add(id)
      const before = byId.get(id)
      if (before && !inOrder(reg, before)) continue
      if (c.expires === 0) {
        if (before) changes.push(tombstone(before))
        continue
      }
      const q = findParam(c.contact.params, 'q')
      const data: BindingData = {
        uri: serializeUri(c.contact.uri),
        ...(c.contact.displayName !== null ? { displayName: c.contact.displayName } : {}),
        cid: reg.callId,
        cseq: reg.cseq,
        ...(q?.value ? { q: q.value } : {}),
        params: c.contact.params
          .filter((p) => !NOT_STORED.has(p.name.toLowerCase()))
          .map((p) => [p.name, p.value] as [string, string | null]),
        paths: reg.paths,
        impi: reg.impi,
        ...(c.key.instance ? { instance: c.key.instance } : {}),
        ...(c.key.regId !== undefined ? { regId: c.key.regId } : {}),
        ...(reg.flow ? { flow: reg.flow } : {}),
        ...(c.emergency ? { emergency: true as const } : {}),
        registeredAt: before?.data.registeredAt ?? nowMs,
      }
      changes.push({
        id,
        event: before ? 'refreshed' : 'registered',
        ...(before ? { before } : {}),
        after: { id, cseq: nextVersion(nowMs, before), expires: nowS + c.expires, data },
      })
    }
  }

  const result = new Map(byId)
  for (const ch of changes) {
    if (ch.event === 'unregistered') result.delete(ch.id)
    else result.set(ch.id, ch.after)
  }
  const bindings = [...result.values()].sort(
    (a, b) => a.data.registeredAt - b.data.registeredAt || (a.id < b.id ? -1 : 1)
  )
  if (bindings.length > maxBindings && bindings.length > current.length)
    throw new SipError(403, 'Forbidden (Too Many Registered Contacts)', {
      headers: [['Warning', `399 sprout "at most ${maxBindings} bindings per address-of-record"`]],
    })
  const kind: RegisterKind =
    bindings.length === 0 ? 'deregister' : initial ? 'initial' : 'reregister'
  return { kind, changes, bindings, initial }
}

/**
 * RFC 3261 §10.3 step 7: with the binding's Call-ID, only a higher CSeq updates it; a lower one
 * aborts the request (500). An equal CSeq is the request that made the binding, sent again (the
 * edge resends a REGISTER to the other region when its home region's answer does not come back,
 * and RFC 3261 §8.1.1.5 gives every new request of a Call-ID a higher CSeq): it leaves the binding
 * as it is and is answered with the bindings, as the first copy was (RFC 3261 §17.2.3; Clearwater's
 * registrar updates a binding only for another Call-ID or a higher CSeq).
 */
function inOrder(reg: ParsedRegistration, b: Binding): boolean {
  if (b.data.cid !== reg.callId || reg.cseq > b.data.cseq) return true
  if (reg.cseq === b.data.cseq) return false
  throw new SipError(500, 'Server Internal Error (CSeq out of order for this Call-ID)')
}
