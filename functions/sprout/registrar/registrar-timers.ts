/**
 * @module sprout/registrar/registrar-timers
 * The registrar's timers on the timer service (clearwater-interfaces §4.4, architecture §4):
 * one per binding and one per reg-event subscription, popping at its expiry (digest challenges
 * are stateless and arm none, auth/nonce.ts). Ids are derived from what the timer is for, so
 * re-arming replaces the timer (a new generation; the old one's pop is dropped) without
 * remembering an id, and a removal can cancel it. Binding timers are armed lazily (bind-step.ts,
 * timer-pops.ts). The opaque body says what popped; pop handlers re-check the store before acting
 * (at-least-once delivery).
 */
import type { TimerService } from '../../../shared/vellum'
import { REPLICATION_FACTOR } from '../../../shared/vellum'

export const BINDING_TIMER_PATH = '/timers/registrar'
/**
 * Where Clearwater's authentication-timeout timers pop (clearwater-interfaces §5.10). Sprout arms
 * none; the route stays so a pop from an older deployment is acknowledged rather than retried.
 */
export const AUTH_TIMEOUT_PATH = '/authentication-timeout'

/** A binding popped: what the pop handler needs even if the record is already hidden. */
export interface BindingPop {
  k: 'binding'
  aor: string
  id: string
  /** The binding version the timer was set for. */
  v: number
  /** Snapshot for the reg-event NOTIFY of an expiry. */
  uri: string
  params: Array<[string, string | null]>
  instance?: string
}

export interface SubscriptionPop {
  k: 'subscription'
  aor: string
  tag: string
}

/**
 * A tombstone sweep, armed by an older deployment (the AoR now drops expired records by itself,
 * aor-store.ts); acknowledged, nothing else.
 */
export interface SweepPop {
  k: 'sweep-binding' | 'sweep-subscription'
  aor: string
  /** Binding id or subscription tag. */
  id: string
  /** The tombstone's version. */
  v: number
}

export type RegistrarPop = BindingPop | SubscriptionPop | SweepPop

function fnv32(text: string, basis: number): string {
  let h = basis
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i)
    h = Math.imul(h, 0x01000193) >>> 0
  }
  return h.toString(16).padStart(8, '0')
}

/** A Chronos-syntax id (`<16 hex>-<rf>`) derived from `parts`. */
export function derivedTimerId(...parts: string[]): string {
  const text = parts.join('\u0000')
  return `${fnv32(text, 0x811c9dc5)}${fnv32(text, 0x01000193 ^ 0x5bd1e995)}-${REPLICATION_FACTOR}`
}

export class RegistrarTimers {
  constructor(
    private readonly timers: TimerService,
    /** Base URL of this region's Sprout (the callbacks' host). */
    private readonly callbackBase: string,
    private readonly now: () => number
  ) {}

  private interval(expiresAtS: number): number {
    return Math.max(1, Math.ceil(expiresAtS * 1000 - this.now()))
  }

  armBinding(pop: BindingPop, expiresAtS: number): Promise<string> {
    return this.timers.update(derivedTimerId('binding', pop.aor, pop.id), {
      intervalMs: this.interval(expiresAtS),
      callbackUri: this.callbackBase + BINDING_TIMER_PATH,
      opaque: JSON.stringify(pop),
    })
  }

  disarmBinding(aor: string, id: string): Promise<void> {
    return this.timers.delete(derivedTimerId('binding', aor, id))
  }

  armSubscription(aor: string, tag: string, expiresAtS: number): Promise<string> {
    const pop: SubscriptionPop = { k: 'subscription', aor, tag }
    return this.timers.update(derivedTimerId('subscription', aor, tag), {
      intervalMs: this.interval(expiresAtS),
      callbackUri: this.callbackBase + BINDING_TIMER_PATH,
      opaque: JSON.stringify(pop),
    })
  }

  disarmSubscription(aor: string, tag: string): Promise<void> {
    return this.timers.delete(derivedTimerId('subscription', aor, tag))
  }
}
