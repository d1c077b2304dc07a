import { describe, expect, it } from 'vitest'
import { HSS_REREGISTRATION_TIME_S, homesteadConfig } from '../../shared/homestead/homestead-config'
import { impiCacheKey, impuCacheKey } from '../../shared/homestead/homestead-keys'
import { createLogger } from '../../shared/log/logger'
import { Unavailable } from '../../shared/vellum/errors'
import type { GlobalTable } from '../../shared/vellum/global-table'
import type { RegionalKv } from '../../shared/vellum/regional-kv'
import { provisionLikeEllis, testDime } from '../../test/support/kits/dime-kit'
import { unitFunctionUrls, unitTestEnv } from '../../test/support/unit-env'
import { createHssClient, type HssClient, HssError } from './hss-client'
import { createLocalHss } from './hss-local'
import { createSproutHss } from './hss-mode'
import { scscfUri } from './sprout-deps'

const ALICE = 'sip:6505550001@example.com'
const ALICE_IMPI = '6505550001@example.com'
const BOB = 'sip:6505550002@example.com'
const BOB_IMPI = '6505550002@example.com'
const urls = { a: unitFunctionUrls(9800), b: unitFunctionUrls(9810) }
const log = createLogger({ component: 'hss-local-test' }, { level: 'error', sink: () => {} })

/** Records every method called on a store, by name. */
function counting<T extends object>(target: T, calls: string[], fail?: () => boolean): T {
  return new Proxy(target, {
    get(t, prop, recv) {
      const v = Reflect.get(t, prop, recv)
      if (typeof v !== 'function') return v
      return (...args: unknown[]) => {
        calls.push(String(prop))
        if (fail?.()) return Promise.reject(new Unavailable('store down', 'kv'))
        return v.apply(t, args)
      }
    },
  })
}

async function setup(
  opts: { extra?: Record<string, string>; mget?: boolean; down?: { kv?: boolean } } = {}
) {
  const raw = { ...unitTestEnv(), ...opts.extra }
  const dime = testDime(opts.extra)
  await provisionLikeEllis(dime, ALICE, { password: 'pw-alice' })
  await provisionLikeEllis(dime, BOB, { password: 'pw-bob' })
  const kvCalls: string[] = []
  const tableCalls: string[] = []
  const state = { kvDown: opts.down?.kv === true }
  let kv: RegionalKv = dime.vellum.kv
  if (opts.mget) {
    const base = dime.vellum.kv
    kv = Object.assign(Object.create(base) as RegionalKv, {
      mget: (keys: string[]) => Promise.all(keys.map((k) => base.get(k))),
    })
  }
  const http = createHssClient({
    region: 'a',
    urls,
    hopSecret: raw.HOP_SECRET!,
    serverName: scscfUri('a'),
    log,
    timeoutMs: 1000,
    fetch: async (url, init) => {
      const u = new URL(url)
      const body = typeof init.body === 'string' ? init.body : undefined
      return dime.request(init.method ?? 'GET', u.pathname + u.search, body)
    },
  })
  const local = (fallback?: HssClient) =>
    createLocalHss({
      kv: counting(kv, kvCalls, () => state.kvDown),
      table: counting(dime.vellum.table as GlobalTable, tableCalls),
      clock: dime.clock,
      homestead: homesteadConfig(raw, 'example.com'),
      serverName: scscfUri('a'),
      log,
      ...(fallback ? { fallback } : {}),
    })
  const reset = () => {
    kvCalls.length = 0
    tableCalls.length = 0
  }
  return { dime, http, local, kvCalls, tableCalls, reset, state, raw }
}

/** The HssError a promise rejects with. */
async function failure(p: Promise<unknown>): Promise<HssError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e
  )
  expect(err).toBeInstanceOf(HssError)
  return err as HssError
}

describe('in-process Homestead: the answers of Dime’s API', () => {
  it('gives the digest AV Dime gives, and refuses what Dime refuses with the same statuses', async () => {
    const k = await setup()
    const hss = k.local()
    expect(await hss.digestVector(ALICE_IMPI, ALICE)).toEqual(
      await k.http.digestVector(ALICE_IMPI, ALICE)
    )
    for (const [impi, impu] of [
      [ALICE_IMPI, BOB],
      ['nobody@example.com', ALICE],
    ] as const) {
      const mine = await failure(k.local().digestVector(impi, impu))
      const dimes = await failure(k.http.digestVector(impi, impu))
      expect([mine.httpStatus, mine.sipStatus]).toEqual([404, 403])
      expect([dimes.httpStatus, dimes.sipStatus]).toEqual([404, 403])
    }
  })

  it('registers a set, reports the previous state, and answers a re-registration unchanged', async () => {
    const k = await setup({ extra: { CHARGING_CCFS: 'ccf1,ccf2,ccf3', CHARGING_ECFS: 'ecf1' } })
    const first = await k.local().putRegData(ALICE, 'reg', ALICE_IMPI)
    expect(first.state).toBe('REGISTERED')
    expect(first.previousState).toBe('NOT_REGISTERED')
    expect(first.chargingAddresses).toEqual({ ccfs: ['ccf1', 'ccf2'], ecfs: ['ecf1'] })
    // Dime sees the transition (global table and cache).
    const viaDime = await k.http.getRegData(ALICE, ALICE_IMPI)
    expect(viaDime.state).toBe('REGISTERED')
    const again = await k.local().putRegData(ALICE, 'reg', ALICE_IMPI)
    const againViaDime = await k.http.putRegData(ALICE, 'reg', ALICE_IMPI)
    expect(again).toMatchObject({
      state: againViaDime.state,
      previousState: againViaDime.previousState,
      subscription: againViaDime.subscription,
      chargingAddresses: againViaDime.chargingAddresses,
    })
  })

  it('refuses a set the private identity does not belong to (404 → 403), read-only GET included', async () => {
    const k = await setup()
    for (const p of [
      k.local().putRegData(BOB, 'reg', ALICE_IMPI),
      k.local().getRegData(BOB, ALICE_IMPI),
    ]) {
      const e = await failure(p)
      expect([e.httpStatus, e.sipStatus]).toEqual([404, 403])
    }
    expect((await k.http.getRegData(BOB)).state).toBe('NOT_REGISTERED')
  })

  it('keeps the state table: dereg of an unregistered set is 400, call gives unregistered service', async () => {
    const k = await setup()
    const e = await failure(k.local().putRegData(ALICE, 'dereg-user', ALICE_IMPI))
    expect([e.httpStatus, e.sipStatus]).toEqual([400, 400])
    const call = await k.local().putRegData(ALICE, 'call')
    expect([call.previousState, call.state]).toEqual(['NOT_REGISTERED', 'UNREGISTERED'])
    expect((await k.http.getRegData(ALICE)).state).toBe('UNREGISTERED')
    const unknown = await failure(k.local().putRegData('sip:nobody@example.com', 'call'))
    expect([unknown.httpStatus, unknown.sipStatus]).toEqual([404, 403])
    await k.local().putRegData(ALICE, 'reg', ALICE_IMPI)
    const dereg = await k.local().putRegData(ALICE, 'dereg-user', ALICE_IMPI)
    expect(dereg.state).toBe('NOT_REGISTERED')
    expect(dereg.previousState).toBeUndefined()
  })

  it('refuses an identity longer than Dime’s request limit with 400, as Dime does', async () => {
    const k = await setup()
    const long = `sip:${'x'.repeat(600)}@example.com`
    // Each request is made only when awaited, so no refusal is left unhandled meanwhile.
    for (const [mine, dimes] of [
      [() => k.local().putRegData(long, 'call'), () => k.http.putRegData(long, 'call')],
      [() => k.local().digestVector(ALICE_IMPI, long), () => k.http.digestVector(ALICE_IMPI, long)],
    ] as const) {
      const a = await failure(mine())
      const b = await failure(dimes())
      expect([a.httpStatus, a.sipStatus]).toEqual([400, 400])
      expect([b.httpStatus, b.sipStatus]).toEqual([400, 400])
    }
    expect(k.kvCalls).toEqual([])
  })

  it('sees a password changed through provisioning on the next request', async () => {
    const k = await setup()
    const before = await k.local().digestVector(ALICE_IMPI, ALICE)
    const res = await k.dime.request(
      'PUT',
      `/private/${encodeURIComponent(ALICE_IMPI)}`,
      JSON.stringify({ plaintext_password: 'a-new-password' })
    )
    expect(res.status).toBe(200)
    const after = await k.local().digestVector(ALICE_IMPI, ALICE)
    expect(after.ha1).not.toBe(before.ha1)
    expect(after).toEqual(await k.http.digestVector(ALICE_IMPI, ALICE))
  })
})

describe('in-process Homestead: store costs', () => {
  it('a steady-state re-registration costs two KV reads and no table operation', async () => {
    const k = await setup()
    await k.local().putRegData(ALICE, 'reg', ALICE_IMPI)
    await k.local().digestVector(ALICE_IMPI, ALICE)
    k.reset()
    const hss = k.local()
    await hss.digestVector(ALICE_IMPI, ALICE)
    const rd = await hss.putRegData(ALICE, 'reg', ALICE_IMPI)
    expect(rd.state).toBe('REGISTERED')
    expect(k.kvCalls).toEqual(['get', 'get'])
    expect(k.tableCalls).toEqual([])
  })

  it('reads both entries in one MGET when the KV offers it', async () => {
    const k = await setup({ mget: true })
    await k.local().putRegData(ALICE, 'reg', ALICE_IMPI)
    await k.local().digestVector(ALICE_IMPI, ALICE)
    k.reset()
    const hss = k.local()
    await hss.digestVector(ALICE_IMPI, ALICE)
    await hss.putRegData(ALICE, 'reg', ALICE_IMPI)
    expect(k.kvCalls).toEqual(['mget'])
    expect(k.tableCalls).toEqual([])
  })

  it('costs nothing more when the caller read the entries with its own keys', async () => {
    const k = await setup()
    await k.local().putRegData(ALICE, 'reg', ALICE_IMPI)
    await k.local().digestVector(ALICE_IMPI, ALICE)
    const keys = k.local().readAheadKeys?.(ALICE_IMPI, ALICE) ?? []
    const values = await Promise.all(keys.map((key) => k.dime.vellum.kv.get(key)))
    k.reset()
    const hss = k.local()
    hss.primeReadAhead?.(keys, values)
    await hss.digestVector(ALICE_IMPI, ALICE)
    await hss.putRegData(ALICE, 'reg', ALICE_IMPI)
    expect(k.kvCalls).toEqual([])
  })

  it('fills entries the caller found missing from the global table, without reading them again', async () => {
    const k = await setup()
    const hss = k.local()
    const keys = hss.readAheadKeys?.(ALICE_IMPI, ALICE) ?? []
    hss.primeReadAhead?.(keys, [undefined, null])
    const av = await hss.digestVector(ALICE_IMPI, ALICE)
    expect(av).toEqual(await k.http.digestVector(ALICE_IMPI, ALICE))
    k.reset()
    expect((await hss.putRegData(ALICE, 'reg', ALICE_IMPI)).state).toBe('REGISTERED')
    expect(k.kvCalls.filter((c) => c === 'get')).toEqual([])
  })

  it('a call-time lookup costs nothing more when the caller read the set’s entry ahead', async () => {
    const k = await setup()
    await k.local().putRegData(BOB, 'reg', BOB_IMPI)
    const hss = k.local()
    const keys = hss.readAheadKeys?.(undefined, BOB) ?? []
    expect(keys).toHaveLength(1)
    const values = await Promise.all(keys.map((key) => k.dime.vellum.kv.get(key)))
    k.reset()
    hss.primeReadAhead?.(keys, values)
    const rd = await hss.putRegData(BOB, 'call')
    expect([rd.previousState, rd.state]).toEqual(['REGISTERED', 'REGISTERED'])
    expect(k.kvCalls).toEqual([])
    expect(k.tableCalls).toEqual([])
  })

  it('a call-time lookup of a registered set costs one KV read', async () => {
    const k = await setup()
    await k.local().putRegData(BOB, 'reg', BOB_IMPI)
    k.reset()
    const rd = await k.local().putRegData(BOB, 'call')
    expect([rd.previousState, rd.state]).toEqual(['REGISTERED', 'REGISTERED'])
    expect(k.kvCalls).toEqual(['get'])
    expect(k.tableCalls).toEqual([])
  })

  it('a first REGISTER on a cold cache reads each entry once and registers the set', async () => {
    const k = await setup()
    // Provisioning wrote both entries; here they have expired.
    await k.dime.vellum.kv.del(impuCacheKey(ALICE))
    await k.dime.vellum.kv.del(impiCacheKey(ALICE_IMPI))
    const hss = k.local()
    await hss.digestVector(ALICE_IMPI, ALICE)
    const rd = await hss.putRegData(ALICE, 'reg', ALICE_IMPI)
    expect([rd.previousState, rd.state]).toEqual(['NOT_REGISTERED', 'REGISTERED'])
    expect(k.kvCalls.filter((c) => c === 'get')).toHaveLength(2)
    // Both entries filled, then the transition's rewrite of the set's entry.
    expect(k.kvCalls.filter((c) => c === 'set')).toHaveLength(3)
    expect(k.tableCalls.filter((c) => c === 'put')).toHaveLength(1)
    expect((await k.http.getRegData(ALICE)).state).toBe('REGISTERED')
  })

  it('a first registration writes the table with the version check and rewrites the cache', async () => {
    const k = await setup()
    await k.local().getRegData(ALICE)
    k.reset()
    await k.local().putRegData(ALICE, 'reg', ALICE_IMPI)
    expect(k.tableCalls.filter((c) => c === 'put')).toHaveLength(1)
    expect(k.kvCalls.filter((c) => c === 'set')).toHaveLength(1)
  })

  it('re-reads the profile once the cached record is as old as the re-registration time', async () => {
    const k = await setup()
    await k.local().putRegData(ALICE, 'reg', ALICE_IMPI)
    k.dime.clock.advance(HSS_REREGISTRATION_TIME_S * 1000)
    k.reset()
    const rd = await k.local().putRegData(ALICE, 'reg', ALICE_IMPI)
    expect(rd.state).toBe('REGISTERED')
    expect(k.tableCalls).toContain('query')
    expect(k.tableCalls).not.toContain('put')
    expect(k.kvCalls).toContain('set')
  })
})

describe('in-process Homestead: outages and the mode switch', () => {
  it('asks Dime over the hop when a store is unavailable', async () => {
    const k = await setup({ down: { kv: true } })
    const av = await k.local(k.http).digestVector(ALICE_IMPI, ALICE)
    expect(av).toEqual(await k.http.digestVector(ALICE_IMPI, ALICE))
    const e = await failure(k.local().putRegData(ALICE, 'reg', ALICE_IMPI))
    expect([e.httpStatus, e.sipStatus]).toEqual([503, 504])
  })

  it('SPROUT_HSS_MODE=http sends every request over the hop; local sends none', async () => {
    for (const mode of ['http', 'local'] as const) {
      const k = await setup()
      const hops: string[] = []
      const hss = createSproutHss({
        config: { SPROUT_HSS_MODE: mode, HSS_TIMEOUT_MS: 1000 },
        raw: k.raw,
        homeDomain: 'example.com',
        region: 'a',
        urls,
        hopSecret: k.raw.HOP_SECRET!,
        serverName: scscfUri('a'),
        vellum: k.dime.vellum,
        clock: k.dime.clock,
        log,
        fetch: async (url, init) => {
          hops.push(`${init.method} ${new URL(url).pathname}`)
          const u = new URL(url)
          const body = typeof init.body === 'string' ? init.body : undefined
          return k.dime.request(init.method ?? 'GET', u.pathname + u.search, body)
        },
      })
      await hss.digestVector(ALICE_IMPI, ALICE)
      expect((await hss.putRegData(ALICE, 'reg', ALICE_IMPI)).state).toBe('REGISTERED')
      expect(hops.length).toBe(mode === 'http' ? 2 : 0)
    }
  })
})
