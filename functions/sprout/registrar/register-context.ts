/**
 * @module sprout/registrar/register-context
 * REGISTER processing as composable steps (contributing §13): parse-registration → digest-auth →
 * bind → respond, each a function of a shared context and `next`, unit-testable alone. A step
 * that must refuse throws a {@link SipError} (a challenge is a 401 SipError carrying its
 * `WWW-Authenticate`); the handler turns it into the response. Steps may queue writes for the
 * bind step's single write round (`sideWrites`) and work for after the answer (`deps.defer`).
 */
import type { SipRequest, SipResponse } from '../../../shared/sip'
import type { VersionedRecord } from '../../../shared/vellum'
import type { NonceUseData } from '../auth/nonce-uses'
import type { PlannedNotify } from '../reg-event/notifier'
import type { SubscriptionData } from '../reg-event/subscription-model'
import type { AorState } from './aor-store'
import type { BindingPlan } from './binding-plan'
import type { Irs } from './irs'
import type { ParsedRegistration } from './parse-registration'
import type { RegistrarServices } from './registrar-services'

export interface RegisterContext {
  svc: RegistrarServices
  req: SipRequest
  reg?: ParsedRegistration
  /**
   * The AoR read keyed by the To identity, started alongside the challenge read so both are one
   * round trip (the To identity is usually the set's default identity, i.e. the AoR key).
   */
  speculative?: Promise<AorState<SubscriptionData>>
  /** Set by digest-auth on success. */
  auth?: { impi: string; nonce: string; nc: number }
  /**
   * The accepted nonce-count (auth/nonce-uses.ts), for the To identity's AoR record map: written by
   * the bind step in its single write round, with the bindings when To is the AoR.
   */
  nonceUse?: { field: string; record: VersionedRecord<NonceUseData> }
  /** Writes for the bind step's single write round. */
  sideWrites: Array<() => Promise<unknown>>
  irs?: Irs
  aor?: string
  plan?: BindingPlan
  notifies?: PlannedNotify[]
  ok?: SipResponse
}

export type RegisterStep = (ctx: RegisterContext, next: () => Promise<void>) => Promise<void>

/** Runs the steps in order; each decides whether to call the next. */
export function composeSteps(
  steps: readonly RegisterStep[]
): (ctx: RegisterContext) => Promise<void> {
  return (ctx) => {
    const run = (i: number): Promise<void> => {
      const step = steps[i]
      return step ? step(ctx, () => run(i + 1)) : Promise.resolve()
    }
    return run(0)
  }
}

/** A step needs something an earlier step provides. */
export function need<T>(v: T | undefined, what: string): T {
  if (v === undefined) throw new Error(`register pipeline: ${what} missing (step order)`)
  return v
}
