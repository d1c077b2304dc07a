import { describe, expect, it } from 'vitest'
import { systemClock } from '../../../shared/config/clock'
import { createLogger } from '../../../shared/log/logger'
import { MemoryRegionalKv } from '../../../shared/vellum'
import type { HssClient } from '../hss-client'
import { AorStore } from '../registrar/aor-store'
import { Lookups } from './lookups'
import type { RoutingDeps } from './routing-deps'

const A = 'sip:6505550001@example.com'
const B = 'sip:6505550002@example.com'

/** An in-process Homestead stand-in that records what it was primed with and asked. */
function fakeHss(readAhead: boolean) {
  const log: string[] = []
  const hss: HssClient = {
    digestVector: async () => {
      throw new Error('not used')
    },
    getRegData: async () => {
      throw new Error('not used')
    },
    putRegData: async (impu) => {
      log.push(`reg-data ${impu}`)
      return { state: 'REGISTERED', subscription: undefined } as unknown as Awaited<
        ReturnType<HssClient['putRegData']>
      >
    },
    ...(readAhead
      ? {
          readAheadKeys: (impi: string | undefined, impu: string) => [
            ...(impi ? [`impi:${impi}`] : []),
            `impu:${impu}`,
          ],
          primeReadAhead: (keys: readonly string[], values: readonly unknown[]) => {
            log.push(`primed ${keys.join(',')} = ${JSON.stringify(values)}`)
          },
        }
      : {}),
  }
  return { hss, log }
}

async function setup(readAhead: boolean) {
  const kv = new MemoryRegionalKv(systemClock)
  await kv.set(`impu:${A}`, 'a-entry', { ttlSeconds: 60 })
  const aors = new AorStore(kv)
  const now = Date.now()
  await aors.write(B, {
    bindings: [
      {
        id: 'b1',
        cseq: 1,
        expires: Math.floor(now / 1000) + 300,
        data: {
          uri: 'sip:b@client.invalid',
          cid: 'c',
          cseq: 1,
          params: [],
          paths: [],
          impi: 'b@example.com',
          registeredAt: now,
        },
      },
    ],
  })
  let reads = 0
  const counting = new Proxy(aors, {
    get(target, prop, recv) {
      if (prop === 'readWith' || prop === 'read') reads++
      const v = Reflect.get(target, prop, recv)
      return typeof v === 'function' ? v.bind(target) : v
    },
  })
  const { hss, log } = fakeHss(readAhead)
  const d = {
    homestead: hss,
    aors: counting,
    simservs: { read: async () => undefined, lookup: async () => ({}) },
    log: createLogger({ component: 'test' }, { level: 'error' }),
  } as unknown as RoutingDeps
  return { lookups: new Lookups(d), log, reads: () => reads }
}

describe('the reads of an on-net call (lookups.ts)', () => {
  it('reads the callee’s AoR and both users’ Homestead entries in one command, then asks Homestead', async () => {
    const s = await setup(true)
    s.lookups.prefetchCall(A, B)
    const bindings = await s.lookups.bindingsOf(B)
    await s.lookups.subscriber(A)
    await s.lookups.subscriber(B)
    expect(bindings.map((b) => b.id)).toEqual(['b1'])
    expect(s.reads()).toBe(1)
    // Primed before Homestead is asked, with what the one command read.
    expect(s.log[0]).toBe(`primed impu:${A},impu:${B} = ["a-entry",null]`)
    expect(s.log.slice(1).sort()).toEqual([`reg-data ${A}`, `reg-data ${B}`])
  })

  it('reads the AoR alone when Homestead is reached over HTTP', async () => {
    const s = await setup(false)
    s.lookups.prefetchCall(A, B)
    expect((await s.lookups.bindingsOf(B)).map((b) => b.id)).toEqual(['b1'])
    await s.lookups.subscriber(B)
    expect(s.reads()).toBe(1)
    expect(s.log).toEqual([`reg-data ${A}`, `reg-data ${B}`])
  })
})
