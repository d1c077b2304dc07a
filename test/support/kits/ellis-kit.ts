/**
 * @module ellis/test-kit
 * Unit-test harness for Ellis: both regions' Ellis apps with the real routes, the real Dime
 * (Homestead-prov) and Homer apps in process, all over one in-memory global table (as the
 * replicated DynamoDB table) and one in-memory KV, joined by a fake `fetch` that dispatches by
 * host and lets a test refuse or drop calls (a Homer failure, a region down). A low PBKDF2
 * iteration count keeps the tests fast; nothing else differs from production wiring.
 */

import { dimeConfig } from '../../../functions/dime/dime-config'
import { mountDime } from '../../../functions/dime/mount'
import { ellisConfig, type NumberRange } from '../../../functions/ellis/ellis-config'
import { type EllisDeps, newIsolateState } from '../../../functions/ellis/ellis-deps'
import { OutboxMailer } from '../../../functions/ellis/mailer'
import { mountEllis } from '../../../functions/ellis/mount'
import { DEFAULT_THROTTLE } from '../../../functions/ellis/throttle-config'
import type { Clock } from '../../../shared/config/clock'
import { parseFunctionEnv } from '../../../shared/config/function-env'
import type { Region } from '../../../shared/config/regions'
import { createFunctionApp } from '../../../shared/http/function-app'
import { createLogger } from '../../../shared/log/logger'
import { type GlobalTable, type MemoryVellum, memoryVellum } from '../../../shared/vellum'
import type { ReplicatedMemoryTable } from '../../../shared/vellum/memory-replicated-table'
import { homerHarness, SECRET } from './homer-kit'

export const API_KEY = 'unit-test-api-key'
export const SIGNUP_CODE = 'unit-test-signup'
export const DOMAIN = 'example.com'

const host = (fn: string, r: Region) => `http://${fn}-${r}.test`
const urls = (r: Region) => ({
  sprout: host('sprout', r),
  dime: host('dime', r),
  homer: host('homer', r),
  ellis: host('ellis', r),
  timers: host('timers', r),
})

function rawEnv(region: Region, extra: Record<string, string>): Record<string, string> {
  return {
    REGION: region,
    HOME_DOMAIN: DOMAIN,
    HOP_SECRET: SECRET,
    FUNCTION_URLS: JSON.stringify({ a: urls('a'), b: urls('b') }),
    EDGE_URL: 'http://edge.test',
    KV_URL: 'http://kv.test',
    KV_TOKEN: 't',
    KV_REMOTE_URL: 'http://kv-remote.test',
    KV_REMOTE_TOKEN: 't',
    DYNAMO_REGION: 'local',
    SCHEDULER_REGION: 'local',
    SCHEDULER_REMOTE_REGION: 'local',
    SCHEDULER_ROLE_ARN: 'arn:role',
    TIMERS_TARGET_ARN: 'arn:a',
    TIMERS_REMOTE_TARGET_ARN: 'arn:b',
    SIGNUP_CODE,
    ELLIS_API_KEY: API_KEY,
    // Like the local cloud: dev secrets allowed, mail kept in the outbox.
    EDGEWATER_ENV: 'local',
    ...extra,
  }
}

export interface Call {
  method: string
  url: string
  body: string
}

/**
 * A fault: return a Response to answer instead, 'drop' for a transport error, undefined to pass
 * (or a promise of one of these, to hold a call back).
 */
export type Fault = (
  call: Call
) => Response | 'drop' | undefined | Promise<Response | 'drop' | undefined>

export interface EllisKit {
  /** A request to `region`'s Ellis (path includes `/api`). */
  request(
    region: Region,
    method: string,
    path: string,
    init?: { body?: string; headers?: Record<string, string> }
  ): Promise<Response>
  vellum: MemoryVellum
  clock: Clock & { advance(ms: number): void }
  calls: Call[]
  faults: Fault[]
  down: Set<Region>
  /**
   * While true, calls between the regions' functions fail as a network partition would (the
   * test's own requests still reach both regions).
   */
  partitioned: boolean
  homer: ReturnType<typeof homerHarness>
  /** Background work started by requests (rebalancing), to await in tests. */
  settle(): Promise<void>
}

export function ellisKit(
  opts: {
    pool?: NumberRange[]
    iterations?: number
    /** Per-region replicas of the global table (replication lag and partitions), for Ellis and Dime. */
    replicated?: ReplicatedMemoryTable
    /**
     * `ELLIS_READ_YOUR_WRITES_MS`. Default: 0 with `replicated` (its replication follows the
     * kit's hand-driven clock, so a wait in real time would only time out), else Ellis's default.
     */
    readYourWritesMs?: number
  } = {}
): EllisKit {
  let t = Date.UTC(2026, 10, 21, 12, 0, 0)
  const clock = { now: () => t, advance: (ms: number) => void (t += ms) }
  const vellum = memoryVellum(clock)
  const log = createLogger({ component: 'ellis-test' }, { level: 'error' })
  const calls: Call[] = []
  const faults: Fault[] = []
  const down = new Set<Region>()
  const pending: Promise<unknown>[] = []
  const homer = homerHarness()
  const readYourWritesMs = opts.readYourWritesMs ?? (opts.replicated ? 0 : undefined)
  const extra: Record<string, string> = {
    ...(opts.pool ? { ELLIS_NUMBER_POOL: JSON.stringify(opts.pool) } : {}),
    ...(readYourWritesMs !== undefined
      ? { ELLIS_READ_YOUR_WRITES_MS: String(readYourWritesMs) }
      : {}),
  }
  const raws = { a: rawEnv('a', extra), b: rawEnv('b', extra) }

  const apps = new Map<string, { fetch: (req: Request) => Promise<Response> | Response }>()

  const tableOf = (r: Region): GlobalTable => opts.replicated?.replicas[r] ?? vellum.table
  const fetchFrom = (caller: Region | undefined) => (url: string, init: RequestInit) => {
    const target = new URL(url).hostname.split('.')[0]!.split('-')[1] as Region
    if (kit.partitioned && caller !== undefined && caller !== target)
      return Promise.reject(new TypeError(`fetch failed: ${target} is cut off from ${caller}`))
    return fetchFn(url, init)
  }
  const fetchFn = async (url: string, init: RequestInit): Promise<Response> => {
    const call: Call = {
      method: init.method ?? 'GET',
      url,
      body: typeof init.body === 'string' ? init.body : '',
    }
    calls.push(call)
    const u = new URL(url)
    const region = u.hostname.split('.')[0]!.split('-')[1] as Region
    if (down.has(region)) throw new TypeError(`fetch failed: ${u.host} is down`)
    for (const f of faults) {
      const r = await f(call)
      if (r === 'drop') throw new TypeError(`fetch failed: ${u.host} dropped`)
      if (r) return r
    }
    const app = apps.get(u.host)
    if (!app) return new Response('no such host', { status: 404 })
    return app.fetch(new Request(url, init))
  }

  for (const region of ['a', 'b'] as const) {
    const raw = raws[region]
    const env = parseFunctionEnv(raw)
    const dimeDeps = {
      vellum: { ...vellum, table: tableOf(region) },
      clock,
      log,
      config: dimeConfig(env, raw),
      fetch: async () => new Response('no route', { status: 404 }),
    }
    const dime = mountDime(createFunctionApp('dime'), () => dimeDeps)
    apps.set(new URL(urls(region).dime).host, { fetch: (req) => dime.fetch(req, raw) })
    apps.set(new URL(urls(region).homer).host, { fetch: (req) => homer.app.fetch(req) })
    const config = { ...ellisConfig(env, raw), pbkdf2Iterations: opts.iterations ?? 1000 }
    const isolate = newIsolateState()
    const deps: EllisDeps = {
      table: tableOf(region),
      kv: vellum.kv,
      clock,
      log,
      config,
      throttle: DEFAULT_THROTTLE,
      fetch: fetchFrom(region),
      mailer: new OutboxMailer(vellum.kv, log, clock.now),
      isolate,
      background: (p) => void pending.push(p),
    }
    const ellis = mountEllis(createFunctionApp('ellis'), () => deps)
    apps.set(new URL(urls(region).ellis).host, { fetch: (req) => ellis.fetch(req, raw) })
  }

  const kit: EllisKit = {
    vellum,
    clock,
    calls,
    faults,
    down,
    partitioned: false,
    homer,
    async request(region, method, path, init = {}) {
      return fetchFn(`${urls(region).ellis}${path}`, {
        method,
        headers: init.headers ?? {},
        ...(init.body !== undefined ? { body: init.body } : {}),
      })
    },
    async settle() {
      while (pending.length) await Promise.allSettled(pending.splice(0))
    },
  }
  return kit
}

export const json = { 'content-type': 'application/json' }
export const admin = { 'ngv-api-key': API_KEY }

/** Signs up and logs in; returns the cookie header value. */
export async function signUp(
  kit: EllisKit,
  email: string,
  region: Region = 'a',
  password = 'secret-pw'
): Promise<string> {
  const r = await kit.request(region, 'POST', '/api/accounts', {
    headers: { ...json, 'ngv-signup-code': SIGNUP_CODE },
    body: JSON.stringify({ email, password, full_name: `User ${email}` }),
  })
  if (r.status !== 201) throw new Error(`sign-up ${r.status}: ${await r.text()}`)
  const s = await kit.request(region, 'POST', '/api/session', {
    headers: json,
    body: JSON.stringify({ email, password }),
  })
  if (s.status !== 201) throw new Error(`login ${s.status}: ${await s.text()}`)
  return cookieOf(s)
}

export function cookieOf(r: Response): string {
  const c = r.headers.getSetCookie().find((x) => x.startsWith('username='))
  if (!c) throw new Error('no session cookie')
  return c.split(';')[0]!
}

/** An answer's JSON body (error bodies carry `reason`). */
export async function bodyOf(r: Response): Promise<{ reason?: string; [k: string]: unknown }> {
  return (await r.json()) as { reason?: string; [k: string]: unknown }
}
