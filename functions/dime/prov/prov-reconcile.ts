/**
 * @module dime/prov/prov-reconcile
 * What follows a provisioning change to an implicit registration set, given the set before and
 * after it: the cache entries of every public and private id involved are rebuilt from the
 * table just written (in both regions), and if the set is registered the S-CSCF is told, as an HSS would over Cx:
 * - the set is gone, has no sip: identity left, changed its default public id, or lost a private
 *   id that registered it → administrative deregistration (RTR) for the old default public id,
 *   and the set's registration state is reset to NOT_REGISTERED;
 * - otherwise, if the IMS subscription changed → push profile (PPR) with the new user data.
 * Clearwater's Homestead-prov rebuilt the cache the same way on every change (crest models.py
 * `rebuild`).
 */

import { type IrsView, irsView } from '../../../shared/homestead/irs-view'
import { NOT_REGISTERED, type SubscriberCache } from '../../../shared/homestead/subscriber-cache'
import type { IrsBundle, SubscriberStore } from '../../../shared/homestead/subscriber-store'
import type { Logger } from '../../../shared/log/logger'
import { ConditionFailed } from '../../../shared/vellum/errors'
import type { PushOutcome, SproutPush } from '../homestead/sprout-push'

export type ReconcileAction = 'none' | 'deregister' | 'profile'

/** Decides what the S-CSCF must be told about a change (pure). */
export function reconcileAction(
  before: IrsView | undefined,
  after: IrsView | undefined,
  reg: IrsBundle['reg']
): ReconcileAction {
  if (!reg || reg.state === 'NOT_REGISTERED') return 'none'
  if (
    !after ||
    after.subscriptionXml === null ||
    after.defaultImpu !== before?.defaultImpu ||
    reg.impis.some((i) => !after.privateIds.includes(i))
  )
    return 'deregister'
  return after.subscriptionXml !== before?.subscriptionXml ? 'profile' : 'none'
}

export class ProvReconciler {
  constructor(
    private readonly store: SubscriberStore,
    private readonly cache: SubscriberCache,
    private readonly push: SproutPush,
    private readonly log: Logger
  ) {}

  /**
   * Brings caches and the S-CSCF in line after a change to one set. `before` is the set as
   * loaded before the change (undefined if it did not exist); the set is re-read here.
   * `extraImpis` are private ids whose cache must go too (e.g. a deleted one).
   */
  async afterChange(
    irs: string,
    before: IrsBundle | undefined,
    extraImpis: string[] = []
  ): Promise<PushOutcome[]> {
    const afterBundle = await this.store.loadIrs(irs)
    const b = before?.exists ? irsView(before) : undefined
    const a = afterBundle.exists ? irsView(afterBundle) : undefined
    const reg = afterBundle.exists ? afterBundle.reg : before?.reg
    const action = reconcileAction(b, a, reg)
    if (action === 'deregister' && afterBundle.exists && afterBundle.reg) {
      try {
        await this.store.putRegistration(irs, NOT_REGISTERED, afterBundle.reg.version)
      } catch (err) {
        if (!(err instanceof ConditionFailed)) throw err
        this.log.warn('registration changed while deregistering after provisioning', { irs })
      }
    }
    await this.cache.refresh(
      [...(b?.impus ?? []), ...(a?.impus ?? [])],
      [...(b?.privateIds ?? []), ...(a?.privateIds ?? []), ...extraImpis]
    )
    const outcomes: PushOutcome[] = []
    if (action === 'deregister') {
      const primaryImpu = b?.defaultImpu ?? a?.defaultImpu
      if (primaryImpu) {
        const impis = reg?.impis.length ? reg.impis : [undefined]
        outcomes.push(
          await this.push.deregister(
            impis.map((impi) => ({ primaryImpu, ...(impi ? { impi } : {}) }))
          )
        )
      }
    } else if (action === 'profile' && a?.defaultImpu && a.subscriptionXml) {
      outcomes.push(await this.push.pushProfile(a.defaultImpu, a.subscriptionXml))
    }
    return outcomes
  }
}
