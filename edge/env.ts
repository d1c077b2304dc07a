/**
 * @module edge/env
 * The edge worker's bindings (wrangler.toml in production, the local cloud's miniflare config).
 * Limits are optional strings; edge-config.ts parses them with their defaults.
 */
export interface EdgeEnv {
  /** The region flows go to first when no proximity rule matches (`a` or `b`). */
  HOME_REGION: string
  /** JSON `{"EU":"a","NA":"b"}`: home region by the client's continent (default `{}`). */
  REGION_BY_CONTINENT?: string
  /** JSON `{"FRA":"b"}`: home region by Cloudflare data centre; wins over the continent. */
  REGION_BY_COLO?: string
  /** JSON: `{ a: { sprout: url, … }, b: { … } }`. */
  FUNCTION_URLS: string
  /** `local` in the local cloud only; otherwise secrets are checked (shared/config/secrets.ts). */
  EDGEWATER_ENV?: string
  /** Signs internal requests; `HOP_SECRET_PREVIOUS` still verifies during a rotation. */
  HOP_SECRET: string
  HOP_SECRET_PREVIOUS?: string
  /** Keys the flow tokens' tags; `FLOW_TOKEN_SECRET_PREVIOUS` still opens tokens during a rotation. */
  FLOW_TOKEN_SECRET: string
  FLOW_TOKEN_SECRET_PREVIOUS?: string
  /** The edge's address as the functions reach it (their `EDGE_URL`), when not its public one. */
  EDGE_URL?: string
  /** Trusted-zone window in ms (default 10000) and signatures remembered per isolate (8192). */
  HOP_MAX_SKEW_MS?: string
  HOP_REPLAY_CAPACITY?: string
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
  /** Lifetime of the dialog-scoped flow tokens in the edge's Record-Route, seconds (default 86400). */
  DIALOG_TOKEN_LIFETIME_SECONDS?: string
  /** Largest body of a signed internal request to the edge, bytes (default 262144). */
  MAX_INTERNAL_BODY_BYTES?: string
  /** Open WebSocket flows per client address (default 64). */
  MAX_FLOWS_PER_ADDRESS?: string
  /** How long one `/healthz` fan-out is reused, seconds (default 5). */
  HEALTH_CACHE_SECONDS?: string
  /** Messages each lane of a flow (client to core, core to client) holds at once (default 128). */
  FLOW_QUEUE_LIMIT?: string
  FLOW: DurableObjectNamespace
  TIMERS: DurableObjectNamespace
}
