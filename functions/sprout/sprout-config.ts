/**
 * @module sprout/sprout-config
 * Sprout's limits, lifetimes and optional settings in one place (contributing §4; architecture §8:
 * every limit explicit, configurable and answered with the right status). Each has the Clearwater
 * default (clearwater-interfaces §11) unless noted, and may be overridden by an optional raw
 * binding of the same name, parsed once per isolate with zod so a bad value fails the first
 * request with a message naming it. `AS_URLS` maps application-server names
 * (`<name>.as.edgewater.internal`, docs/internal-hop.md) to their `/sip` URLs.
 */
import { z } from 'zod'
import { parseCachedConfig } from '../../shared/config/cached-config'
import type { RawEnv } from '../../shared/config/function-env'
import { MEMENTO_SETTINGS } from './memento/memento-config'

const seconds = (def: number) => z.coerce.number().int().min(0).default(def)
const count = (def: number) => z.coerce.number().int().min(1).default(def)

const schema = z.object({
  /** reg_max_expires: binding expiry cap, and the expiry when a REGISTER gives none. */
  REG_MAX_EXPIRES: z.coerce.number().int().min(1).default(300),
  /**
   * Expiry cap of an emergency binding (a Contact with `sos`, TS 24.229 §5.4.1.2.2F): the client's
   * requested expiry up to this. Clearwater caps emergency bindings at reg_max_expires (300 s).
   */
  REG_EMERGENCY_MAX_EXPIRES: z.coerce.number().int().min(1).default(300),
  /** Minimum binding expiry; 0 = none (Clearwater never sends 423). */
  REG_MIN_EXPIRES: seconds(0),
  /** Bindings one AoR may hold (several tabs and devices); more is refused with 403. */
  REG_MAX_BINDINGS: count(20),
  /** sub_max_expires; default reg_max_expires + 161 (subscriptionsproutlet.h). */
  SUB_MAX_EXPIRES: z.coerce.number().int().min(1).optional(),
  /** Expiry of a SUBSCRIBE without Expires (RFC 3680 §3.1 suggests 3761 s). */
  SUB_DEFAULT_EXPIRES: count(3761),
  /** reg-event subscriptions one AoR may hold. */
  SUB_MAX_PER_AOR: count(20),
  /**
   * Who may SUBSCRIBE to an AoR's reg-event: `irs` = the subscriber's own implicit registration
   * set or an application server (TS 24.229 §5.4.2.1.1); `domain` = any asserted identity of
   * the home domain (Clearwater's behaviour).
   */
  REG_EVENT_WATCHERS: z.enum(['irs', 'domain']).default('irs'),
  /** How long a digest nonce may be answered for the first time (Clearwater: 40 s). */
  AUTH_CHALLENGE_SECONDS: count(40),
  /**
   * Failed authentications of one IMPI within the window after which the sources that failed
   * for it are refused for it (others, such as the subscriber's own device, are not).
   */
  AUTH_MAX_FAILURES_IMPI: count(5),
  /** Failed authentications from one client source within the window before it is refused. */
  AUTH_MAX_FAILURES_SOURCE: count(20),
  /** The failure-counting window, and the Retry-After of a refused source. */
  AUTH_FAILURE_WINDOW_SECONDS: count(300),
  /** Deadline of one Homestead request (Clearwater sprout_homestead_timeout_ms is 750). */
  HSS_TIMEOUT_MS: count(2000),
  /**
   * How Sprout asks Homestead (hss-mode.ts): `local` runs Dime's Homestead code in process over
   * this region's stores (the hop only when a store is unavailable); `http` always asks Dime's
   * signalling API over the hop, for a deployment where Sprout may not reach the global table.
   */
  SPROUT_HSS_MODE: z.enum(['local', 'http']).default('local'),
  /**
   * IMS subscription documents an isolate keeps parsed, by their text (parsed-subscriptions.ts);
   * 0 parses every answer afresh.
   */
  SPROUT_PARSED_SUBSCRIPTIONS: z.coerce.number().int().min(0).max(100_000).default(256),
  /** Application servers by name: `{"mmtel": "https://…/sip"}`. */
  AS_URLS: z
    .string()
    .optional()
    .transform((s, ctx) => {
      if (s === undefined || s === '') return {}
      try {
        return JSON.parse(s) as unknown
      } catch {
        ctx.addIssue({ code: 'custom', message: 'AS_URLS is not JSON' })
        return z.NEVER
      }
    })
    .pipe(z.record(z.string().regex(/^[a-z0-9-]+$/i), z.string().url())),
  /**
   * How long a `/sip` hop waits for the work its message caused (NOTIFYs, third-party
   * REGISTERs, charging) before answering, so the sender's next message comes after it
   * (docs/internal-hop.md); what is still running then finishes after the answer. Keep it well
   * under the edge's UPSTREAM_TIMEOUT_MS.
   */
  SIP_SETTLE_MS: count(1000),
  /**
   * A hop Sprout sends (to a flow, an application server, the other region) with no answer at
   * its 4 s timeout: how long the receiver's liveness probe may take (ms; 0: none, the hop
   * fails at once), and how long in all a running receiver is then waited for
   * (shared/hop/hop-liveness.ts; RFC 3261 Timer B, 64·T1, by default).
   */
  HOP_PROBE_MS: z.coerce.number().int().min(0).max(60_000).default(4000),
  HOP_ANSWER_LIMIT_MS: count(32_000),
  /** Local cloud only: serve the test application server at `/test-as/sip`. */
  SPROUT_TEST_AS: z.enum(['0', '1']).default('0'),
  /** The built-in Memento (memento/memento-config.ts). */
  ...MEMENTO_SETTINGS,
})

export type SproutConfig = Omit<z.infer<typeof schema>, 'SUB_MAX_EXPIRES'> & {
  SUB_MAX_EXPIRES: number
}

const parseSproutConfigCached = parseCachedConfig(schema, 'sprout', (c): SproutConfig => {
  const out: SproutConfig = { ...c, SUB_MAX_EXPIRES: c.SUB_MAX_EXPIRES ?? c.REG_MAX_EXPIRES + 161 }
  return out
})

export function parseSproutConfig(raw: RawEnv): SproutConfig {
  return parseSproutConfigCached(raw)
}

/** The defaults (unit tests and tools). */
export const defaultSproutConfig = (): SproutConfig => parseSproutConfig({})
