import { Hono } from 'hono'
import { describe, expect, it } from 'vitest'
import type { FunctionUrls, Region } from '../../shared/config/regions'
import { signRequest } from '../../shared/hop/signature'
import type { FunctionBindings, Services } from '../../shared/http/function-app'
import { DEFAULT_SIMSERVS_XML } from '../../shared/ims/simservs-default'
import { createLogger } from '../../shared/log/logger'
import { MemoryRegionalKv } from '../../shared/vellum'
import { ReplicatedMemoryTable } from '../../shared/vellum/memory-replicated-table'
import { buildHomerDeps } from './homer-deps'
import { documentHome } from './xcap-owner'
import { createHomerRoutes } from './xcap-routes'

/**
 * Homer in two regions over two replicas of the global table (MREC model: per-item replication
 * after a lag, last writer wins, conditions on the local replica only). Document writes run in
 * the document's home region, so conditional PUTs racing from both regions have one winner and
 * a 412 loser, and a write whose home is cut off is 503, never silently lost.
 */
const SECRET = 'unit-test-hop-secret-0123456789'
const url = (r: Region) => `http://homer-${r}.test`
const path = (impu: string) =>
  `/org.etsi.ngn.simservs/users/${encodeURIComponent(impu)}/simservs.xml`

function twoRegions() {
  let t = Date.UTC(2026, 0, 1)
  const clock = { now: () => t }
  const table = new ReplicatedMemoryTable(clock, 500)
  const kv = new MemoryRegionalKv(clock)
  const log = createLogger({ component: 'homer-test' }, { level: 'error' })
  const state = { partitioned: false }
  const apps = new Map<string, Hono<FunctionBindings>>()
  const urls = { a: { homer: url('a') }, b: { homer: url('b') } } as unknown as FunctionUrls
  for (const region of ['a', 'b'] as const) {
    const fetchFrom = async (u: string, init: RequestInit) => {
      const target = new URL(u)
      if (state.partitioned && target.origin !== url(region))
        throw new TypeError(`fetch failed: cut off from ${target.host}`)
      return apps.get(target.origin)!.request(u, init)
    }
    const deps = buildHomerDeps({
      table: table.replicas[region],
      kv,
      clock,
      log,
      directory: { digestSecret: async () => undefined, publicIds: async () => [] },
      hopSecret: SECRET,
      realm: 'example.com',
      // The replicas here move with the test's clock, not real time: no read-your-writes wait.
      owner: { region, urls, hopSecret: SECRET, log, fetch: fetchFrom, readYourWritesMs: 0 },
    })
    const app = new Hono<FunctionBindings>()
    app.use(async (c, next) => {
      const env = { HOP_SECRET: SECRET, REGION: region, FUNCTION_URLS: urls }
      c.set('services', { self: 'homer', env, clock, log } as unknown as Services)
      await next()
    })
    app.route(
      '/',
      createHomerRoutes(() => deps)
    )
    apps.set(url(region), app)
  }
  /** A trusted-zone request (as Ellis or Sprout sends) to `region`'s Homer. */
  async function send(
    region: Region,
    method: string,
    impu: string,
    body?: string,
    headers: Record<string, string> = {}
  ) {
    const u = `${url(region)}${path(impu)}`
    const sig = await signRequest(SECRET, method, u, body ?? null)
    return apps.get(url(region))!.request(u, {
      method,
      headers: { ...sig, ...headers },
      ...(body !== undefined ? { body } : {}),
    })
  }
  return {
    table,
    state,
    send,
    advance: (ms: number) => {
      t += ms
    },
  }
}

const doc = (tag: string) => DEFAULT_SIMSERVS_XML.replace('<simservs ', `<!-- ${tag} --><simservs `)

/** An IMPU whose documents live in `home`. */
const impuIn = (home: Region) =>
  Array.from({ length: 40 }, (_, i) => `sip:user${i}@example.com`).find(
    (u) => documentHome(u) === home
  )!

describe('Homer: owner-region document writes under MREC', () => {
  for (const home of ['a', 'b'] as const)
    it(`conditional PUTs racing from both regions: one winner everywhere, a 412 loser (home ${home})`, async () => {
      const h = twoRegions()
      const impu = impuIn(home)
      const first = await h.send(home, 'PUT', impu, doc('v1'), {
        'content-type': 'application/simservs+xml',
      })
      expect(first.status).toBe(200)
      const etag = first.headers.get('etag')!
      h.advance(1000)
      // Both editors start from the same ETag, inside one replication window.
      const [ra, rb] = await Promise.all([
        h.send('a', 'PUT', impu, doc('from-a'), { 'if-match': etag }),
        h.send('b', 'PUT', impu, doc('from-b'), { 'if-match': etag }),
      ])
      expect([ra.status, rb.status].sort()).toEqual([200, 412])
      const winner = ra.status === 200 ? ra : rb
      const winnerTag = ra.status === 200 ? 'from-a' : 'from-b'
      h.advance(1000)
      for (const r of ['a', 'b'] as const) {
        const got = await h.send(r, 'GET', impu)
        expect(got.status).toBe(200)
        expect(got.headers.get('etag')).toBe(winner.headers.get('etag'))
        expect(await got.text()).toContain(winnerTag)
      }
    })

  it('a conditional write whose home region is cut off is 503 with Retry-After and changes nothing', async () => {
    const h = twoRegions()
    const impu = impuIn('b')
    const v1 = await h.send('b', 'PUT', impu, doc('v1'))
    expect(v1.status).toBe(200)
    const tag = v1.headers.get('etag')!
    h.advance(1000)
    h.table.partition()
    h.state.partitioned = true
    const refused = await h.send('a', 'PUT', impu, doc('from-a'), { 'if-match': tag })
    expect(refused.status).toBe(503)
    expect(refused.headers.get('retry-after')).toBe('5')
    expect((await h.send('a', 'DELETE', impu, undefined, { 'if-match': tag })).status).toBe(503)
    expect(await (await h.send('a', 'GET', impu)).text()).toContain('v1')
    // The home region still takes conditional writes.
    expect((await h.send('b', 'PUT', impu, doc('from-b'), { 'if-match': tag })).status).toBe(200)
    h.table.heal()
    h.state.partitioned = false
    h.advance(1000)
    for (const r of ['a', 'b'] as const)
      expect(await (await h.send(r, 'GET', impu)).text()).toContain('from-b')
  })

  it('writes without preconditions run where they arrive when the home is cut off: the later one wins in both regions', async () => {
    const h = twoRegions()
    const impu = impuIn('b')
    h.table.partition()
    h.state.partitioned = true
    expect((await h.send('a', 'PUT', impu, doc('first-in-a'))).status).toBe(200)
    h.advance(10)
    expect((await h.send('b', 'PUT', impu, doc('then-in-b'))).status).toBe(200)
    h.table.heal()
    h.state.partitioned = false
    h.advance(1000)
    const tags = new Set<string | null>()
    for (const r of ['a', 'b'] as const) {
      const got = await h.send(r, 'GET', impu)
      expect(await got.text()).toContain('then-in-b')
      tags.add(got.headers.get('etag'))
    }
    expect(tags.size).toBe(1)
  })

  it('the home region refuses a stale If-Match sent from the other region (412 with its ETag)', async () => {
    const h = twoRegions()
    const impu = impuIn('a')
    const v1 = await h.send('a', 'PUT', impu, doc('v1'))
    const tag1 = v1.headers.get('etag')!
    h.advance(1000)
    const v2 = await h.send('a', 'PUT', impu, doc('v2'), { 'if-match': tag1 })
    expect(v2.status).toBe(200)
    // Region b's replica has not seen v2 yet: its reader still sees v1 …
    expect((await h.send('b', 'GET', impu)).headers.get('etag')).toBe(tag1)
    // … but a write from b is decided at home, against v2.
    const stale = await h.send('b', 'PUT', impu, doc('from-b'), { 'if-match': tag1 })
    expect(stale.status).toBe(412)
    expect(stale.headers.get('etag')).toBe(v2.headers.get('etag'))
  })
})
