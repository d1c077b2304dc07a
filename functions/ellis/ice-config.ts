/**
 * @module ellis/ice-config
 * The ICE servers the portal's softphone uses (docs/media.md), parsed with zod from optional
 * bindings once per isolate. Ellis hands them to logged-in users (`GET /api/ice-servers`,
 * routes/routes-ice.ts), TURN ones with short-lived credentials in the shape of the TURN REST
 * API (draft-uberti-behave-turn-rest-00 §2), which coturn checks with `use-auth-secret`.
 *
 * | binding                  | default  | meaning                                                        |
 * | ------------------------ | -------- | -------------------------------------------------------------- |
 * | `ICE_STUN_URLS`          | none     | comma-separated `stun:`/`stuns:` URIs (RFC 7064)               |
 * | `ICE_TURN_URLS`          | none     | comma-separated `turn:`/`turns:` URIs (RFC 7065)               |
 * | `ICE_TURN_SECRET`        | none     | the TURN server's shared secret; required with `ICE_TURN_URLS` |
 * | `ICE_TURN_TTL_S`         | 14400    | lifetime of a credential, 60 s to 7 days                       |
 *
 * Outside the local cloud `ICE_TURN_SECRET` must be a real secret (at least 32 bytes, not a dev
 * default: shared/config/secrets.ts).
 */
import { z } from 'zod'
import { parseCachedConfig } from '../../shared/config/cached-config'
import type { RawEnv } from '../../shared/config/function-env'
import { isLocal, secretProblem } from '../../shared/config/secrets'

/**
 * Four hours. draft-uberti-behave-turn-rest-00 §2.2 suggests one day, but a TURN server cannot
 * be told that a credential's session ended (the server keeps no state), so the lifetime is all
 * that bounds relaying after a logout. The softphone fetches a credential with at least half its
 * lifetime left before each call (docs/media.md), so a call has two hours or more on it.
 */
export const DEFAULT_TURN_TTL_S = 4 * 3600
export const MIN_TURN_TTL_S = 60
export const MAX_TURN_TTL_S = 7 * 86_400
/** Most URIs of one kind a deployment lists (a browser tries every one). */
export const MAX_ICE_URLS = 10

export interface IceConfig {
  stunUrls: string[]
  turnUrls: string[]
  /** Set exactly when `turnUrls` is not empty. */
  turnSecret: string | undefined
  turnTtlS: number
}

/** RFC 7064 §3.1 and RFC 7065 §3.1: `scheme:host[:port]`, TURN with an optional `?transport=`. */
const STUN_URI = /^stuns?:(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)(:\d{1,5})?$/
const TURN_URI = /^turns?:(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)(:\d{1,5})?(\?transport=(udp|tcp))?$/

const uriList = (re: RegExp, what: string) =>
  z
    .string()
    .transform((s) =>
      s
        .split(',')
        .map((u) => u.trim())
        .filter((u) => u !== '')
    )
    .pipe(
      z
        .array(z.string().regex(re, `each entry must be a ${what} URI`))
        .max(MAX_ICE_URLS, `lists more than ${MAX_ICE_URLS} URIs`)
    )
    .optional()

const schema = z.object({
  ICE_STUN_URLS: uriList(STUN_URI, 'stun:/stuns:'),
  ICE_TURN_URLS: uriList(TURN_URI, 'turn:/turns:'),
  ICE_TURN_SECRET: z.string().min(1).optional(),
  ICE_TURN_TTL_S: z.coerce.number().int().min(MIN_TURN_TTL_S).max(MAX_TURN_TTL_S).optional(),
})

const parseIceConfig = parseCachedConfig(
  schema,
  'ICE',
  (o): IceConfig => ({
    stunUrls: o.ICE_STUN_URLS ?? [],
    turnUrls: o.ICE_TURN_URLS ?? [],
    turnSecret: o.ICE_TURN_URLS?.length ? o.ICE_TURN_SECRET : undefined,
    turnTtlS: o.ICE_TURN_TTL_S ?? DEFAULT_TURN_TTL_S,
  }),
  {
    // TURN URIs without the secret would hand out credentials no server accepts.
    precheck: (raw) => {
      const turn = typeof raw.ICE_TURN_URLS === 'string' && raw.ICE_TURN_URLS.trim() !== ''
      return secretProblem('ICE_TURN_SECRET', raw.ICE_TURN_SECRET, {
        local: isLocal(raw),
        required: turn,
      })
    },
  }
)

export function iceConfig(raw: RawEnv): IceConfig {
  return parseIceConfig(raw)
}
