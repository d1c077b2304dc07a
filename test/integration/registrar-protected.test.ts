/**
 * Re-registration without a fresh challenge (TS 24.229 §5.4.1.2.2; clearwater-interfaces §5.2
 * `integrity-protected="tls-yes"`), with real sip.js clients through the local cloud's edge. A
 * flow to `/sip?tls=loopback` stands for a `wss:` connection (EDGE_LOOPBACK_TLS=1, local cloud
 * only): once a 200 has authenticated it, its REGISTERs are answered 200 at once; the same client
 * over a plain `ws:` flow is challenged every time.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { endpoints } from '../support/cloud'
import { TestUa } from '../support/sip-ua'
import { bindingsOf, costs, subscriber } from './registrar-helpers'

const uas: TestUa[] = []
afterEach(async () => {
  await Promise.all(uas.splice(0).map((u) => u.stop()))
})

async function ua(tls: boolean, tag: string): Promise<TestUa> {
  const sub = await subscriber(tag)
  const u = await TestUa.start({
    server: tls ? `${endpoints().sip.a}?tls=loopback` : endpoints().sip.a,
    impu: sub.impu,
    impi: sub.impi,
    password: sub.password,
    instanceId: crypto.randomUUID(),
    expires: 300,
  })
  uas.push(u)
  return u
}

/** Final responses to REGISTER received so far, by status. */
const registerAnswers = (u: TestUa) =>
  u.received
    .filter((m) => /^SIP\/2\.0 [2-6]\d\d /.test(m) && /\r\nCSeq:\s*\d+ REGISTER\r\n/i.test(m))
    .map((m) => Number(m.slice(8, 11)))

const callIdOf = (m: string) => /\r\nCall-ID:\s*([^\r\n]+)/i.exec(m)?.[1]?.trim() ?? ''

describe('re-registration on an authenticated TLS flow', () => {
  it('is answered 200 without a 401, in one Sprout transaction of two store round trips', async () => {
    const u = await ua(true, 'prot')
    expect((await u.register()).status).toBe(200)
    expect(registerAnswers(u)).toEqual([401, 200])
    const before = Object.values(await bindingsOf(u.opts.impu))
    expect(before).toHaveLength(1)

    const again = await u.register()
    expect(again.status).toBe(200)
    expect(registerAnswers(u)).toEqual([401, 200, 200])
    const after = Object.values(await bindingsOf(u.opts.impu))
    expect(after).toHaveLength(1)
    expect(after[0]!.version).toBeGreaterThan(before[0]!.version)
    expect(after[0]!.private_id).toBe(u.opts.impi)

    const txs = (await costs(callIdOf(u.sent.at(-1)!))).filter((t) => t.method === 'REGISTER')
    const last = txs.at(-1)!
    expect(last.status).toBe(200)
    // The AoR read (with Homestead's cache entries) and the write round.
    expect(last.depth).toBe(2)
  })

  it('removes its binding on un-REGISTER without a challenge', async () => {
    const u = await ua(true, 'protun')
    expect((await u.register()).status).toBe(200)
    expect((await u.unregister()).status).toBe(200)
    expect(registerAnswers(u)).toEqual([401, 200, 200])
    expect(await bindingsOf(u.opts.impu)).toEqual({})
  })

  it('is challenged again once the registration is gone', async () => {
    const u = await ua(true, 'protgone')
    expect((await u.register()).status).toBe(200)
    expect((await u.unregister()).status).toBe(200)
    // The flow no longer holds a binding: a new registration is an initial one.
    expect((await u.register()).status).toBe(200)
    expect(registerAnswers(u)).toEqual([401, 200, 200, 401, 200])
  })
})

describe('re-registration on a plain ws: flow', () => {
  it('is challenged every time', async () => {
    const u = await ua(false, 'plain')
    expect((await u.register()).status).toBe(200)
    expect((await u.register()).status).toBe(200)
    expect(registerAnswers(u)).toEqual([401, 200, 401, 200])
  })
})
