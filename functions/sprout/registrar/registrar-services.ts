/**
 * @module sprout/registrar/registrar-services
 * The registrar's stores and timers over one request's {@link SproutDeps}: the AoR store, the
 * authentication limiter, the digest nonce key and the registrar's timers, made once per request
 * so every step shares the request's round-trip counter.
 */
import { AuthLimiter } from '../auth/auth-limiter'
import { nonceKey } from '../auth/nonce'
import type { SubscriptionData } from '../reg-event/subscription-model'
import type { SproutDeps } from '../sprout-deps'
import { AorStore } from './aor-store'
import { RegistrarTimers } from './registrar-timers'

export class RegistrarServices {
  readonly aors: AorStore<SubscriptionData>
  readonly limiter: AuthLimiter
  readonly timers: RegistrarTimers

  constructor(readonly deps: SproutDeps) {
    const kv = deps.vellum.kv
    this.aors = new AorStore<SubscriptionData>(kv)
    this.limiter = new AuthLimiter(kv, {
      maxImpiFailures: deps.config.AUTH_MAX_FAILURES_IMPI,
      maxSourceFailures: deps.config.AUTH_MAX_FAILURES_SOURCE,
      windowSeconds: deps.config.AUTH_FAILURE_WINDOW_SECONDS,
    })
    this.timers = new RegistrarTimers(deps.vellum.timers, deps.sproutUrl, () => deps.clock.now())
  }

  get nowMs(): number {
    return this.deps.clock.now()
  }

  /** The HMAC key of stateless digest nonces (auth/nonce.ts). */
  nonceKey(): Promise<CryptoKey> {
    return nonceKey(this.deps.nonceSecret)
  }

  /** `n` random bytes. */
  random(n: number): Uint8Array {
    return crypto.getRandomValues(new Uint8Array(n))
  }
}
