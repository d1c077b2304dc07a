/**
 * @module trunk/trunk-config
 * The SIP trunk adapter's settings (docs/trunk.md), from environment variables, parsed once with
 * zod so a bad one stops start-up with a message naming it. Limits are explicit, with defaults:
 *
 * | variable                  | default                 | meaning                                                          |
 * | ------------------------- | ----------------------- | ---------------------------------------------------------------- |
 * | `TRUNK_NAME`              | `pstn`                  | the trunk's name: `<name>.trunk.edgewater.internal` on the hop   |
 * | `HOP_SECRET`              | (required)              | the deployment's hop key (and `HOP_SECRET_PREVIOUS` in rotation) |
 * | `FUNCTION_URLS`           | (required)              | the deployment's function URLs, as the functions get them        |
 * | `EDGE_URL`                | (required)              | where the edge's flows are reached (in-dialog requests)          |
 * | `TRUNK_HOME_REGION`       | `a`                     | the region whose I-CSCF gets inbound requests first              |
 * | `TRUNK_HTTP_HOST`/`_PORT` | `127.0.0.1` / `8796`    | where the signed hop side listens (`POST /sip`)                  |
 * | `TRUNK_HOP_URL`           | `http://<http>/sip`     | the URL Sprout posts to (its `TRUNK_URLS` entry): signatures name it |
 * | `TRUNK_SIP_HOST`/`_PORT`  | `127.0.0.1` / `5060`    | where SIP over UDP and TCP is received (port 0: any free one)    |
 * | `TRUNK_PUBLIC_HOST`       | `TRUNK_SIP_HOST`        | the address in the adapter's Via and Record-Route on the SIP side |
 * | `TRUNK_PEER`              | (required)              | the SBC or gateway: `host:port[;transport=udp\|tcp]`             |
 * | `TRUNK_PEER_SOURCES`      | `TRUNK_PEER`'s addresses | comma-separated IP addresses SIP is taken from (`*`: any); others are dropped |
 * | `TRUNK_TRUST_ORIG`        | `0`                     | `1`: a Route with `orig` from the peer asks for originating handling, and its `P-Asserted-Identity` is kept (an IBCF in the trusted zone); `0`: both are refused |
 * | `TRUNK_MAX_MESSAGE_BYTES` | `65507`                 | larger SIP messages are refused (UDP's largest datagram)         |
 * | `TRUNK_MAX_TRANSACTIONS`  | `10000`                 | transactions remembered at once; beyond it new requests get 503  |
 * | `TRUNK_HOP_TIMEOUT_MS`    | `4000`                  | how long a hop to Sprout or the edge may take                    |
 */
import { isIP } from 'node:net'
import { z } from 'zod'
import type { FunctionUrls, Region } from '../../shared/config/regions'
import { firstSecretProblem } from '../../shared/config/secrets'

const port = (def: number) => z.coerce.number().int().min(0).max(65_535).default(def)
const urlMap = z.object({
  sprout: z.string().url(),
  dime: z.string().url(),
  homer: z.string().url(),
  ellis: z.string().url(),
  timers: z.string().url(),
})

const peerShape = z
  .string()
  .regex(
    /^[A-Za-z0-9.\-[\]:]+:\d{1,5}(;transport=(udp|tcp))?$/i,
    'TRUNK_PEER must be host:port[;transport=udp|tcp]'
  )
  .transform((s) => {
    const [hostPort, param] = s.split(';')
    const at = hostPort!.lastIndexOf(':')
    return {
      host: hostPort!.slice(0, at).replace(/^\[(.*)\]$/, '$1'),
      port: Number(hostPort!.slice(at + 1)),
      transport: (param?.split('=')[1]?.toLowerCase() ?? 'udp') as 'udp' | 'tcp',
    }
  })

const schema = z.object({
  TRUNK_NAME: z
    .string()
    .regex(/^[a-z0-9-]+$/i, 'TRUNK_NAME must be a DNS label')
    .default('pstn'),
  HOP_SECRET: z.string().min(1),
  HOP_SECRET_PREVIOUS: z.string().optional(),
  FUNCTION_URLS: z
    .string()
    .transform((s, ctx) => {
      try {
        return JSON.parse(s) as unknown
      } catch {
        ctx.addIssue({ code: 'custom', message: 'FUNCTION_URLS is not JSON' })
        return z.NEVER
      }
    })
    .pipe(z.object({ a: urlMap, b: urlMap })),
  EDGE_URL: z.string().url(),
  TRUNK_HOME_REGION: z.enum(['a', 'b']).default('a'),
  TRUNK_HTTP_HOST: z.string().min(1).default('127.0.0.1'),
  TRUNK_HTTP_PORT: port(8796),
  TRUNK_HOP_URL: z.string().url().optional(),
  TRUNK_SIP_HOST: z.string().min(1).default('127.0.0.1'),
  TRUNK_SIP_PORT: port(5060),
  TRUNK_PUBLIC_HOST: z.string().min(1).optional(),
  TRUNK_PEER: peerShape,
  TRUNK_PEER_SOURCES: z
    .string()
    .transform((s) => s.split(',').map((a) => a.trim()))
    .refine(
      (list) => list.every((a) => a === '*' || isIP(a) !== 0),
      'TRUNK_PEER_SOURCES must list IP addresses separated by commas, or be *'
    )
    .optional(),
  TRUNK_TRUST_ORIG: z.enum(['0', '1']).default('0'),
  TRUNK_MAX_MESSAGE_BYTES: z.coerce.number().int().min(1_024).max(65_507).default(65_507),
  TRUNK_MAX_TRANSACTIONS: z.coerce.number().int().min(10).max(1_000_000).default(10_000),
  TRUNK_HOP_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(4_000),
})

export interface TrunkPeer {
  host: string
  port: number
  transport: 'udp' | 'tcp'
}

export interface TrunkConfig {
  name: string
  hopSecret: string
  hopSecretPrevious?: string
  functionUrls: FunctionUrls
  edgeUrl: string
  homeRegion: Region
  httpHost: string
  /** 0 picks a free port (tests). */
  httpPort: number
  /** The URL Sprout posts to; undefined: `http://<httpHost>:<bound port>/sip`. */
  hopUrl?: string
  sipHost: string
  /** 0 picks a free port (tests); UDP and TCP share it. */
  sipPort: number
  publicHost: string
  peer: TrunkPeer
  /**
   * Addresses SIP is taken from (`*`: any); unset, those `peer.host` stands for (trunk-adapter.ts
   * resolves a host name at start-up).
   */
  peerSources?: readonly string[]
  trustOrig: boolean
  maxMessageBytes: number
  maxTransactions: number
  hopTimeoutMs: number
}

/** The adapter's settings from `env`; throws one sentence naming the first bad setting. */
export function trunkConfigFromEnv(env: Record<string, string | undefined>): TrunkConfig {
  const secret = firstSecretProblem(env, ['HOP_SECRET'])
  if (secret) throw new Error(secret)
  const r = schema.safeParse(env)
  if (!r.success) {
    const i = r.error.issues[0]!
    throw new Error(`${i.path.join('.') || 'setting'}: ${i.message}`)
  }
  const c = r.data
  return {
    name: c.TRUNK_NAME.toLowerCase(),
    hopSecret: c.HOP_SECRET,
    ...(c.HOP_SECRET_PREVIOUS ? { hopSecretPrevious: c.HOP_SECRET_PREVIOUS } : {}),
    functionUrls: c.FUNCTION_URLS,
    edgeUrl: c.EDGE_URL,
    homeRegion: c.TRUNK_HOME_REGION,
    httpHost: c.TRUNK_HTTP_HOST,
    httpPort: c.TRUNK_HTTP_PORT,
    ...(c.TRUNK_HOP_URL ? { hopUrl: c.TRUNK_HOP_URL } : {}),
    sipHost: c.TRUNK_SIP_HOST,
    sipPort: c.TRUNK_SIP_PORT,
    publicHost: c.TRUNK_PUBLIC_HOST ?? c.TRUNK_SIP_HOST,
    peer: c.TRUNK_PEER,
    ...(c.TRUNK_PEER_SOURCES ? { peerSources: c.TRUNK_PEER_SOURCES } : {}),
    trustOrig: c.TRUNK_TRUST_ORIG === '1',
    maxMessageBytes: c.TRUNK_MAX_MESSAGE_BYTES,
    maxTransactions: c.TRUNK_MAX_TRANSACTIONS,
    hopTimeoutMs: c.TRUNK_HOP_TIMEOUT_MS,
  }
}
