/**
 * @module sprout/registrar/registrar-services
 * The registrar's stores and timers over one request's {@link SproutDeps}: the AoR store, the
 * challenge store, the authentication limiter and the registrar's timers, made once per request
 * so every step shares the request's round-trip counter.
 */
import { AuthLimiter } from '../auth/auth-limiter'
import { ChallengeStore } from '../auth/challenge-store'
import type { SubscriptionData } from '../reg-event/subscription-model'
import type { SproutDeps } from '../sprout-deps'
import { AorStore } from './aor-store'
import { RegistrarTimers } from './registrar-timers'

export class RegistrarServices {
  readonly aors: AorStore<SubscriptionData>
  readonly challenges: ChallengeStore
  readonly limiter: AuthLimiter
  readonly timers: RegistrarTimers

  constructor(readonly deps: SproutDeps) {
    const kv = deps.vellum.kv
    this.aors = new AorStore<SubscriptionData>(kv)
    this.challenges = new ChallengeStore(kv)
    this.limiter = new AuthLimiter(kv, {
      maxImpiFailures: deps.config.AUTH_MAX_FAILURES_IMPI,
      maxFlowFailures: deps.config.AUTH_MAX_FAILURES_FLOW,
      windowSeconds: deps.config.AUTH_FAILURE_WINDOW_SECONDS,
    })
    this.timers = new RegistrarTimers(deps.vellum.timers, deps.sproutUrl, () => deps.clock.now())
  }

  get nowMs(): number {
    return this.deps.clock.now()
  }
}
