/**
 * Binding expiry kept by the edge flow (flow-expiry.ts) on Sprout's side: a REGISTER whose edge
 * Via says `ew-expiry=flow` arms no timer; the flow's lapse notice (`POST /flows/<token>/expired`)
 * answers how long a live binding of the flow still lives, removes a lapsed one guarded by its
 * version and tells the HSS `dereg-timeout`; a bad body is 400.
 */
import { beforeEach, describe, expect, it } from 'vitest'
import type { SipResponse } from '../../../shared/sip'
import {
  answer401,
  DOMAIN,
  edgeRegister,
  firePops,
  flowToken,
  postFromFlow,
  provisionLikeEllis,
  type TestSprout,
  testSprout,
} from '../../../test/support/kits/sprout-kit'

const impu = `sip:6505550031@${DOMAIN}`
const impi = `6505550031@${DOMAIN}`
const password = 'pw31'

let t: TestSprout
beforeEach(async () => {
  t = testSprout()
  await provisionLikeEllis(t.dime, impu, { password })
})

/** REGISTER as a flow that keeps its bindings' expiry forwards it (the edge's Via marked). */
const marked = (text: string, token: string) =>
  text.replace(`;flow=${token}`, `;flow=${token};ew-expiry=flow`)

async function registerKept(token: string, expires: number): Promise<SipResponse> {
  const base = { impu, token, callId: 'fx1', contacts: ['<sip:fx@h.invalid>'], expires }
  const [ch] = (await postFromFlow(
    t,
    marked(edgeRegister({ ...base, cseq: 1 }), token),
    token
  )) as SipResponse[]
  const authorization = answer401(ch!, { impi, password })
  const out = await postFromFlow(
    t,
    marked(edgeRegister({ ...base, cseq: 2, authorization }), token),
    token
  )
  return out.find((m) => m.kind === 'response') as SipResponse
}

const expired = (token: string, body: unknown) =>
  t.request('POST', `/flows/${token}/expired`, JSON.stringify(body))

const bindings = async () => {
  const r = await t.request('GET', `/impu/${encodeURIComponent(impu)}/bindings`)
  return r.status === 404
    ? {}
    : ((await r.json()) as { bindings: Record<string, unknown> }).bindings
}
const regState = async () => {
  const r = await t.dime.request('GET', `/impu/${encodeURIComponent(impu)}/reg-data`)
  return /<RegistrationState>(\w+)</.exec(await r.text())?.[1]
}

describe('binding expiry kept by the flow', () => {
  it('arms no timer, answers the remaining time while live, and removes the binding once lapsed', async () => {
    const token = flowToken(31)
    expect((await registerKept(token, 60)).status).toBe(200)
    // No timer: past the expiry, the timer service pops nothing.
    const early = await expired(token, { aor: impu })
    expect(await early.json()).toEqual({ removed: 0, next: 60_000 })
    t.clock.advance(61_000)
    expect(await firePops(t)).toEqual([])
    const res = await expired(token, { aor: impu })
    expect(await res.json()).toEqual({ removed: 1 })
    expect(await bindings()).toEqual({})
    expect(await regState()).toBe('NOT_REGISTERED')
    // Repeated (at-least-once): nothing left of the flow.
    expect(await (await expired(token, { aor: impu })).json()).toEqual({ removed: 0 })
  })

  it('leaves a binding another flow took over, and refuses a bad body', async () => {
    const token = flowToken(32)
    expect((await registerKept(token, 60)).status).toBe(200)
    t.clock.advance(61_000)
    expect(await (await expired(flowToken(33), { aor: impu })).json()).toEqual({ removed: 0 })
    expect((await expired(token, { who: impu })).status).toBe(400)
  })
})
