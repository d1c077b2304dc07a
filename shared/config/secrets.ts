/**
 * @module secrets
 * Which secrets a deployment may start with. The local cloud marks its components with
 * `EDGEWATER_ENV=local`; anything else (the variable unset included) is a real deployment, where
 * a secret must be at least {@link MIN_SECRET_BYTES} bytes and must not be one of the dev
 * defaults the local cloud prints. One secret per purpose, each with a `_PREVIOUS` companion
 * that is still accepted while it is rotated out:
 *
 * | secret                | signs                                    | read by          |
 * | --------------------- | ---------------------------------------- | ---------------- |
 * | `HOP_SECRET`          | internal requests (shared/hop/signature) | edge, functions  |
 * | `FLOW_TOKEN_SECRET`   | flow tokens (shared/hop/flow-token)      | edge             |
 * | `ELLIS_COOKIE_SECRET` | Ellis session cookies                    | Ellis            |
 * | `ELLIS_API_KEY`       | (compared) the `NGV-API-Key` admin key   | Ellis            |
 * | `ICE_TURN_SECRET`     | TURN credentials (shared with the TURN server) | Ellis      |
 */

/** The value of `EDGEWATER_ENV` that the local cloud sets. */
export const LOCAL_ENV = 'local'
/** Shortest secret accepted outside the local cloud (HMAC-SHA-256 keys: RFC 2104 §3). */
export const MIN_SECRET_BYTES = 32

/** The local cloud's defaults (infra/local/contract.ts): public, so never valid elsewhere. */
export const DEV_SECRETS = {
  HOP_SECRET: 'dev-hop-secret-change-me-in-production',
  FLOW_TOKEN_SECRET: 'dev-flow-token-secret-change-me-in-production',
  ELLIS_COOKIE_SECRET: 'dev-ellis-cookie-secret-change-me-in-production',
  ELLIS_API_KEY: 'dev-ellis-api-key',
  ICE_TURN_SECRET: 'dev-turn-secret-change-me-in-production',
} as const

const KNOWN_DEV_VALUES: ReadonlySet<string> = new Set(Object.values(DEV_SECRETS))

export function isLocal(raw: Record<string, unknown>): boolean {
  return raw.EDGEWATER_ENV === LOCAL_ENV
}

/**
 * The one-sentence reason `name` cannot be used, or undefined when it can. `required` secrets
 * must be set in every mode; optional ones (the `_PREVIOUS` companions) only when present.
 */
export function secretProblem(
  name: string,
  value: unknown,
  opts: { local: boolean; required: boolean }
): string | undefined {
  if (value === undefined || value === '') {
    return opts.required
      ? `${name} is not set; set it to a random secret of at least ${MIN_SECRET_BYTES} bytes.`
      : undefined
  }
  if (typeof value !== 'string') return `${name} must be a string.`
  if (opts.local) return undefined
  if (KNOWN_DEV_VALUES.has(value))
    return `${name} is a development default, refused outside the local cloud (EDGEWATER_ENV is not "${LOCAL_ENV}"); set it to a random secret of at least ${MIN_SECRET_BYTES} bytes.`
  const bytes = new TextEncoder().encode(value).length
  if (bytes < MIN_SECRET_BYTES)
    return `${name} is ${bytes} bytes long, and outside the local cloud it must be a random secret of at least ${MIN_SECRET_BYTES} bytes.`
  return undefined
}

/**
 * The first problem among the required secrets `names`; those also in `rotating` are checked
 * with their optional `X_PREVIOUS` companion.
 */
export function firstSecretProblem(
  raw: Record<string, unknown>,
  names: readonly string[],
  rotating: readonly string[] = names
): string | undefined {
  const local = isLocal(raw)
  for (const name of names) {
    const previous = `${name}_PREVIOUS`
    const problem =
      secretProblem(name, raw[name], { local, required: true }) ??
      (rotating.includes(name)
        ? secretProblem(previous, raw[previous], { local, required: false })
        : undefined)
    if (problem) return problem
  }
  return undefined
}
