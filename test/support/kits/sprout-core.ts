/**
 * @module sprout/test-core
 * What every Sprout unit-test harness builds the same way: the parsed settings, a logger that
 * keeps its lines, Sprout's dependencies (HSS client over an injected Dime fetch, SIP sender over
 * an injected internal hop), the real routes mounted on a function app (the round-trip counter
 * reset per request), and signed requests into that app. The harnesses (sprout-kit.ts,
 * routing-kit.ts) decide what the hop and Dime do and how deferred work runs. Used only by tests.
 */

import { createHssClient } from '../../../functions/sprout/hss-client'
import { mountSprout } from '../../../functions/sprout/mount'
import { createSipSender } from '../../../functions/sprout/sip-sender'
import { parseSproutConfig } from '../../../functions/sprout/sprout-config'
import { type SproutDeps, scscfUri } from '../../../functions/sprout/sprout-deps'
import { parseFunctionEnv } from '../../../shared/config/function-env'
import { createResolver } from '../../../shared/hop/resolver'
import { signRequest } from '../../../shared/hop/signature'
import { createFunctionApp } from '../../../shared/http/function-app'
import { createLogger } from '../../../shared/log/logger'
import type { MemoryVellum } from '../../../shared/vellum'
import { HOP_SECRET, type TestDime } from './dime-kit'

export const EDGE = 'http://127.0.0.1:9787'
export const SPROUT_A = 'http://127.0.0.1:9800'
export const DOMAIN = 'example.com'

export interface SproutCoreOptions {
  raw: Record<string, string>
  /** The logger's component name. */
  component: string
  dime: TestDime
  vellum: MemoryVellum
  /** Sprout's HTTP calls to Dime (Homestead, Ralf). */
  dimeFetch: (url: string, init: RequestInit) => Promise<Response>
  /**
   * The internal hop out of Sprout; `self` hands a request addressed to this Sprout (the test
   * AS's answers) to its app.
   */
  hop: (
    url: string,
    init: RequestInit | undefined,
    self: () => Promise<Response>
  ) => Promise<Response>
  defer: SproutDeps['defer']
  /** Trunk addresses for the resolver (TRUNK_URLS). */
  trunks?: Record<string, string>
}

export function sproutCore(o: SproutCoreOptions) {
  const { raw, dime, vellum } = o
  const clock = dime.clock
  const logs: string[] = []
  const log = createLogger({ component: o.component }, { level: 'warn', sink: (l) => logs.push(l) })
  const env = parseFunctionEnv(raw)
  const config = parseSproutConfig(raw)
  let app: ReturnType<typeof createFunctionApp>

  const hopFetch = async (input: string | URL | Request, init?: RequestInit) =>
    o.hop(String(input), init, async () => app.request(String(input), init, raw))

  const deps = (): SproutDeps => ({
    region: 'a',
    homeDomain: DOMAIN,
    config,
    clock,
    log,
    vellum,
    hss: createHssClient({
      region: 'a',
      urls: env.FUNCTION_URLS,
      hopSecret: HOP_SECRET,
      serverName: scscfUri('a'),
      log,
      timeoutMs: 1000,
      fetch: o.dimeFetch,
    }),
    sender: createSipSender({
      resolver: createResolver({
        functionUrls: env.FUNCTION_URLS,
        edgeUrl: EDGE,
        applicationServers: config.AS_URLS,
        ...(o.trunks ? { trunks: o.trunks } : {}),
      }),
      secret: HOP_SECRET,
      log,
      fetch: hopFetch as typeof fetch,
    }),
    sproutUrl: SPROUT_A,
    nonceSecret: HOP_SECRET,
    defer: o.defer,
  })
  app = mountSprout(createFunctionApp('sprout'), () => {
    vellum.roundTrips.reset()
    return deps()
  })

  /** A signed request to Sprout, as another function sends it over the hop. */
  const request = async (method: string, path: string, body?: string) => {
    const url = `${SPROUT_A}${path}`
    const sig = await signRequest(HOP_SECRET, method, url, body ?? null)
    return app.request(
      url,
      {
        method,
        headers: { ...sig, 'content-type': 'application/json' },
        ...(body !== undefined ? { body } : {}),
      },
      raw
    )
  }

  /** A SIP message to Sprout's `/sip`, as the edge forwards it. */
  const post = async (text: string) => {
    const url = `${SPROUT_A}/sip`
    const sig = await signRequest(HOP_SECRET, 'POST', url, text)
    return app.request(
      url,
      { method: 'POST', headers: { ...sig, 'content-type': 'message/sip' }, body: text },
      raw
    )
  }

  return { clock, log, logs, config, deps, request, post }
}
