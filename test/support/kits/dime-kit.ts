/**
 * @module dime/test-kit
 * Unit-test harness for Dime: the real routes mounted on a function app over in-memory Vellum
 * adapters, a movable clock, and a recording fake `fetch` standing in for Sprout and the CDF.
 * Requests are signed for the trusted zone like any internal caller's. Used only by tests.
 */

import { dimeConfig } from '../../../functions/dime/dime-config'
import type { DimeDeps } from '../../../functions/dime/dime-deps'
import { mountDime } from '../../../functions/dime/mount'
import type { Clock } from '../../../shared/config/clock'
import { parseFunctionEnv } from '../../../shared/config/function-env'
import { signRequest } from '../../../shared/hop/signature'
import { createFunctionApp } from '../../../shared/http/function-app'
import { createLogger, type LogLevel } from '../../../shared/log/logger'
import { type MemoryVellum, memoryVellum } from '../../../shared/vellum'
import { UNIT_HOP_SECRET, unitFunctionUrls, unitTestEnv } from '../unit-env'

function headerRecord(h: RequestInit['headers']): Record<string, string> {
  const out: Record<string, string> = {}
  new Headers(h).forEach((v, k) => {
    out[k] = v
  })
  return out
}

export const HOP_SECRET = UNIT_HOP_SECRET

export interface Outbound {
  method: string
  url: string
  body: string
  headers: Record<string, string>
}

export interface TestDime {
  request(
    method: string,
    path: string,
    body?: string,
    headers?: Record<string, string>
  ): Promise<Response>
  unsigned(method: string, path: string, body?: string): Promise<Response>
  vellum: MemoryVellum
  clock: Clock & { advance(ms: number): void }
  outbound: Outbound[]
  /** What the fake outbound fetch answers (default: 404 for Sprout, 200 `{}` for the CDF). */
  respond: (o: Outbound) => Response
  logs: string[]
}

export function testDime(extra: Record<string, string> = {}, level: LogLevel = 'warn'): TestDime {
  const raw: Record<string, string> = {
    ...unitTestEnv(),
    ...extra,
  }
  let t = Date.UTC(2026, 10, 21, 12, 0, 0)
  const clock = { now: () => t, advance: (ms: number) => void (t += ms) }
  const vellum = memoryVellum(clock)
  const logs: string[] = []
  const log = createLogger({ component: 'dime-test' }, { level, sink: (l) => logs.push(l) })
  const outbound: Outbound[] = []
  const kit: TestDime = {
    vellum,
    clock,
    outbound,
    logs,
    respond: (o) =>
      o.url.startsWith('http://127.0.0.1:9800')
        ? new Response('no route', { status: 404 })
        : new Response('{}', { status: 200, headers: { 'content-type': 'application/json' } }),
    request: async () => new Response(),
    unsigned: async () => new Response(),
  }
  const deps: DimeDeps = {
    vellum,
    clock,
    log,
    config: dimeConfig(parseFunctionEnv(raw), raw),
    fetch: async (url, init) => {
      const o: Outbound = {
        method: init.method ?? 'GET',
        url,
        body: typeof init.body === 'string' ? init.body : '',
        headers: headerRecord(init.headers),
      }
      outbound.push(o)
      return kit.respond(o)
    },
  }
  const app = mountDime(createFunctionApp('dime'), () => deps)
  kit.request = async (method, path, body, headers = {}) => {
    const url = `${unitFunctionUrls(9800).dime}${path}`
    const sig = await signRequest(HOP_SECRET, method, url, body ?? null)
    return app.request(
      url,
      { method, headers: { ...sig, ...headers }, ...(body !== undefined ? { body } : {}) },
      raw
    )
  }
  kit.unsigned = async (method, path, body) =>
    app.request(
      `${unitFunctionUrls(9800).dime}${path}`,
      { method, ...(body !== undefined ? { body } : {}) },
      raw
    )
  return kit
}

/** Ellis's default iFC (clearwater-interfaces §1.5). */
export const DEFAULT_IFC = `<?xml version="1.0" encoding="UTF-8"?><ServiceProfile><InitialFilterCriteria><TriggerPoint><ConditionTypeCNF>0</ConditionTypeCNF><SPT><ConditionNegated>0</ConditionNegated><Group>0</Group><Method>INVITE</Method><Extension></Extension></SPT></TriggerPoint><ApplicationServer><ServerName>sip:mmtel.example.com</ServerName><DefaultHandling>0</DefaultHandling></ApplicationServer></InitialFilterCriteria></ServiceProfile>`

export const publicIdentityXml = (impu: string, barred = false) =>
  `<PublicIdentity><Identity>${impu}</Identity>${barred ? '<BarringIndication>1</BarringIndication>' : ''}</PublicIdentity>`

/**
 * Provisions a subscriber the way Ellis allocates a number (clearwater-interfaces §1.4):
 * private id with a digest, an IRS, a service profile, the public id, the default iFC.
 */
export async function provisionLikeEllis(
  kit: Pick<TestDime, 'request'>,
  impu: string,
  opts: { impi?: string; password?: string; ifc?: string } = {}
): Promise<{ impi: string; irs: string; sp: string }> {
  const impi = opts.impi ?? impu.replace(/^sip:/, '')
  const ok = async (r: Promise<Response>, status: number) => {
    const res = await r
    if (res.status !== status) throw new Error(`${res.url}: ${res.status} ${await res.text()}`)
    return res
  }
  const enc = encodeURIComponent
  await ok(
    kit.request(
      'PUT',
      `/private/${enc(impi)}`,
      JSON.stringify({ plaintext_password: opts.password ?? 'secret1' })
    ),
    200
  )
  const irs = (await ok(kit.request('POST', '/irs/'), 201)).headers.get('location')!.split('/')[2]!
  await ok(
    kit.request('PUT', `/private/${enc(impi)}/associated_implicit_registration_sets/${irs}`),
    200
  )
  const spLoc = (await ok(kit.request('POST', `/irs/${irs}/service_profiles`), 201)).headers.get(
    'location'
  )!
  const sp = spLoc.split('/')[4]!
  await ok(kit.request('PUT', `${spLoc}/public_ids/${enc(impu)}`, publicIdentityXml(impu)), 200)
  await ok(kit.request('PUT', `${spLoc}/filter_criteria`, opts.ifc ?? DEFAULT_IFC), 200)
  return { impi, irs, sp }
}
