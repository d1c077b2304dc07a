/**
 * @module edge/env
 * The edge worker's bindings (wrangler.toml in production, the local cloud's miniflare config).
 */
export interface EdgeEnv {
  /** The region this edge entry sends flows to first (`a` or `b`). */
  HOME_REGION: string
  /** JSON: `{ a: { sprout: url, … }, b: { … } }`. */
  FUNCTION_URLS: string
  HOP_SECRET: string
  HOME_DOMAIN: string
  FLOW: DurableObjectNamespace
  TIMERS: DurableObjectNamespace
}
