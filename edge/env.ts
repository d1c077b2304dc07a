/**
 * @module edge/env
 * The edge worker's bindings (wrangler.toml in production, the local cloud's miniflare config).
 * Limits are optional strings; edge-config.ts parses them with their defaults.
 */
export interface EdgeEnv {
  /** The region this edge entry sends flows to first (`a` or `b`). */
  HOME_REGION: string
  /** JSON: `{ a: { sprout: url, … }, b: { … } }`. */
  FUNCTION_URLS: string
  HOP_SECRET: string
  HOME_DOMAIN: string
  /** Largest SIP message accepted from a client, in bytes (default 65536). */
  MAX_MESSAGE_BYTES?: string
  /** Sustained messages per second per flow (default 50) and burst (default 100). */
  FLOW_RATE_PER_SECOND?: string
  FLOW_RATE_BURST?: string
  /** How long identities learned from a REGISTER 200 outlive its expiry, seconds (default 30). */
  IDENTITY_GRACE_SECONDS?: string
  /** Upstream hop timeout in ms (default 4000) and how long a failed region is skipped (default 30000). */
  UPSTREAM_TIMEOUT_MS?: string
  BREAKER_OPEN_MS?: string
  FLOW: DurableObjectNamespace
  TIMERS: DurableObjectNamespace
}
