/**
 * The configuration every function's in-process unit tests start from: a complete, valid set of
 * bindings (shared/config/function-env.ts) whose addresses are never dialled — tests replace
 * the network with fakes. Each test kit spreads it and adds what its function reads.
 */
export const UNIT_HOP_SECRET = 'unit-test-hop-secret-0123456789'
export const UNIT_EDGE_URL = 'http://127.0.0.1:9787'

/** Function URLs of one region, `base` to `base + 4` in FUNCTIONS order. */
export function unitFunctionUrls(base: number) {
  const u = (p: number) => `http://127.0.0.1:${p}`
  return {
    sprout: u(base),
    dime: u(base + 1),
    homer: u(base + 2),
    ellis: u(base + 3),
    timers: u(base + 4),
  }
}

export function unitTestEnv(): Record<string, string> {
  return {
    // Unit tests run as the local cloud does: any non-empty secret (shared/config/secrets.ts).
    EDGEWATER_ENV: 'local',
    REGION: 'a',
    HOME_DOMAIN: 'example.com',
    HOP_SECRET: UNIT_HOP_SECRET,
    FUNCTION_URLS: JSON.stringify({ a: unitFunctionUrls(9800), b: unitFunctionUrls(9810) }),
    EDGE_URL: UNIT_EDGE_URL,
    KV_URL: 'http://127.0.0.1:9791',
    KV_TOKEN: 't',
    KV_REMOTE_URL: 'http://127.0.0.1:9792',
    KV_REMOTE_TOKEN: 't',
    DYNAMO_REGION: 'local-a',
    SCHEDULER_REGION: 'local-a',
    SCHEDULER_REMOTE_REGION: 'local-b',
    SCHEDULER_ROLE_ARN: 'arn:role',
    TIMERS_TARGET_ARN: 'arn:a',
    TIMERS_REMOTE_TARGET_ARN: 'arn:b',
    SIGNUP_CODE: 'x',
    ELLIS_API_KEY: 'x',
  }
}
