/**
 * @module homer/test-support
 * In-process harness for Homer's unit tests: the routes on in-memory Vellum stores with a
 * hand-driven clock and a fake subscriber directory, plus helpers that sign a request for the
 * trusted zone or answer a Ut digest challenge the way a UE would.
 */
import { Hono } from 'hono'
import {
  type DigestSecret,
  DirectoryUnavailable,
  type SubscriberDirectory,
} from '../../../functions/homer/dime-client'
import { buildHomerDeps, type HomerDeps } from '../../../functions/homer/homer-deps'
import {
  type BaseAlgorithm,
  type DigestCredentials,
  digestHa1,
  expectedResponse,
} from '../../../functions/homer/ut-digest'
import { createHomerRoutes } from '../../../functions/homer/xcap-routes'
import type { Clock } from '../../../shared/config/clock'
import { signRequest } from '../../../shared/hop/signature'
import type { FunctionBindings, Services } from '../../../shared/http/function-app'
import { createLogger } from '../../../shared/log/logger'
import { md5Hex } from '../../../shared/sip'
import { memoryVellum } from '../../../shared/vellum'

export const SECRET = 'unit-test-hop-secret-0123456789'
export const REALM = 'example.com'
export const BASE = 'http://homer.test'

export interface FakeSubscriber {
  password: string
  /** Provision the plaintext password (enables SHA-256) or only the MD5 HA1. */
  plaintext: boolean
  publicIds: string[]
}

export function homerHarness() {
  let t = Date.UTC(2026, 0, 1)
  const clock: Clock = { now: () => t }
  const vellum = memoryVellum(clock)
  const subscribers = new Map<string, FakeSubscriber>()
  const state = { dimeDown: false, dimeCalls: 0 }
  const directory: SubscriberDirectory = {
    async digestSecret(impi): Promise<DigestSecret | undefined> {
      state.dimeCalls++
      if (state.dimeDown) throw new DirectoryUnavailable('Dime down (test)')
      const s = subscribers.get(impi)
      if (!s) return undefined
      return {
        realm: REALM,
        ha1Md5: md5Hex(`${impi}:${REALM}:${s.password}`),
        password: s.plaintext ? s.password : undefined,
      }
    },
    async publicIds(impi) {
      if (state.dimeDown) throw new DirectoryUnavailable('Dime down (test)')
      return subscribers.get(impi)?.publicIds ?? []
    },
  }
  const log = createLogger({ component: 'homer-test' }, { level: 'error' })
  const deps: HomerDeps = buildHomerDeps({
    table: vellum.table,
    kv: vellum.kv,
    clock,
    log,
    directory,
    hopSecret: SECRET,
    realm: REALM,
  })
  const app = new Hono<FunctionBindings>()
  app.use(async (c, next) => {
    // One harness stands for Homer in either region: it answers as whatever address it is
    // reached at, so the trusted zone's target check (shared/hop/signature.ts) holds.
    const env = {
      HOP_SECRET: SECRET,
      REGION: 'a',
      FUNCTION_URLS: { a: { homer: new URL(c.req.url).origin } },
    }
    c.set('services', { self: 'homer', env, clock, log } as unknown as Services)
    await next()
  })
  app.route(
    '/',
    createHomerRoutes(() => deps)
  )

  const request = (path: string, init: RequestInit = {}) => app.request(`${BASE}${path}`, init)

  /** A trusted-zone request (Ellis, Sprout). */
  async function signed(
    method: string,
    path: string,
    body?: string,
    headers: Record<string, string> = {}
  ) {
    const sig = await signRequest(SECRET, method, `${BASE}${path}`, body ?? null)
    return request(path, {
      method,
      headers: { ...sig, ...headers },
      ...(body !== undefined ? { body } : {}),
    })
  }

  /** Answers a 401 challenge as a UE would (RFC 7616 §3.4). */
  async function authorization(opts: {
    challenge: string
    impi: string
    password: string
    method: string
    path: string
    nc?: number
    algorithm?: BaseAlgorithm
  }): Promise<string> {
    const nonce = /nonce="([^"]+)"/.exec(opts.challenge)![1]!
    const algorithm =
      opts.algorithm ?? (/algorithm=([\w-]+)/.exec(opts.challenge)![1] as BaseAlgorithm)
    const cred: DigestCredentials = {
      username: opts.impi,
      realm: REALM,
      nonce,
      uri: opts.path,
      response: '',
      algorithm,
      qop: 'auth',
      nc: (opts.nc ?? 1).toString(16).padStart(8, '0'),
      cnonce: '0a4f113b',
      opaque: undefined,
    }
    const ha1 = await digestHa1(algorithm, opts.impi, REALM, opts.password)
    const response = await expectedResponse(cred, opts.method, ha1)
    return `Digest username="${opts.impi}", realm="${REALM}", nonce="${nonce}", uri="${opts.path}", algorithm=${algorithm}, qop=auth, nc=${cred.nc}, cnonce="${cred.cnonce}", response="${response}"`
  }

  return {
    app,
    clock,
    advance: (ms: number) => {
      t += ms
    },
    vellum,
    deps,
    subscribers,
    state,
    request,
    signed,
    authorization,
  }
}

export const userPath = (impu: string, suffix = '') =>
  `/org.etsi.ngn.simservs/users/${encodeURIComponent(impu)}/simservs.xml${suffix}`
