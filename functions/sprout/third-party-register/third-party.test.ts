import { beforeEach, describe, expect, it } from 'vitest'
import {
  DOMAIN,
  firePops,
  flowToken,
  provisionLikeEllis,
  registerWithAuth,
  type TestSprout,
  testSprout,
} from '../../../test/support/kits/sprout-kit'
import type { TestAsRecord } from '../test-as/register-as'

const impu = `sip:6505550030@${DOMAIN}`
const impi = `6505550030@${DOMAIN}`
const password = 'pw30'

const ifc = (server: string, handling: 0 | 1, extra = '') =>
  `<?xml version="1.0" encoding="UTF-8"?><ServiceProfile><InitialFilterCriteria><Priority>1</Priority><TriggerPoint><ConditionTypeCNF>0</ConditionTypeCNF><SPT><ConditionNegated>0</ConditionNegated><Group>0</Group><Method>REGISTER</Method><Extension></Extension></SPT></TriggerPoint><ApplicationServer><ServerName>${server}</ServerName><DefaultHandling>${handling}</DefaultHandling>${extra}</ApplicationServer></InitialFilterCriteria></ServiceProfile>`

let t: TestSprout

const register = (
  token: string,
  callId: string,
  cseq: number,
  contacts: string[],
  expires?: number
) => registerWithAuth(t, { impu, impi, password }, { token, callId, cseq, contacts, expires })

const received = async () =>
  (
    (await (
      await t.request('GET', `/test-as/received?impu=${encodeURIComponent(impu)}`)
    ).json()) as { received: TestAsRecord[] }
  ).received

describe('third-party REGISTER (ISC)', () => {
  beforeEach(() => {
    t = testSprout()
  })

  it('sends the AS Expires 300 on registration and 0 on deregistration, with the requested bodies', async () => {
    await provisionLikeEllis(t.dime, impu, {
      password,
      ifc: ifc(
        'sip:test.as.edgewater.internal',
        0,
        '<ServiceInfo>hello&amp;bye</ServiceInfo><Extension><IncludeRegisterRequest/><IncludeRegisterResponse/></Extension>'
      ),
    })
    const token = flowToken(1)
    expect((await register(token, 'tp', 1, ['<sip:t@h.invalid>'], 3600)).status).toBe(200)
    let got = await received()
    expect(got).toHaveLength(1)
    expect(got[0]).toMatchObject({ method: 'REGISTER', to: impu, expires: 300 })
    expect(got[0]!.contentType).toMatch(/^multipart\/mixed;boundary=/)
    expect(got[0]!.body).toContain('<service-info>hello&amp;bye</service-info>')
    expect(got[0]!.body).toContain('REGISTER sip:example.com SIP/2.0')
    expect(got[0]!.body).toContain('SIP/2.0 200 OK')
    // A fetch sends nothing (sprout PR #2130).
    await register(token, 'tp', 3, [])
    expect(await received()).toHaveLength(1)
    await register(token, 'tp', 5, ['<sip:t@h.invalid>;expires=0'])
    got = await received()
    expect(got).toHaveLength(2)
    expect(got[1]!.expires).toBe(0)
  })

  it('sends Expires 0 when the last binding expires', async () => {
    await provisionLikeEllis(t.dime, impu, {
      password,
      ifc: ifc('sip:test.as.edgewater.internal', 0),
    })
    await register(flowToken(2), 'tx', 1, ['<sip:x@h.invalid>'], 60)
    t.clock.advance(61_000)
    await firePops(t)
    expect((await received()).map((r) => r.expires)).toEqual([60, 0])
  })

  it('deregisters the subscriber when a SESSION_TERMINATED AS fails the registration', async () => {
    await provisionLikeEllis(t.dime, impu, {
      password,
      ifc: ifc('sip:test-fail.as.edgewater.internal', 1),
    })
    const ok = await register(flowToken(3), 'tf', 1, ['<sip:f@h.invalid>'])
    expect(ok.status).toBe(200)
    const got = await received()
    expect(got[0]).toMatchObject({ mode: 'fail', expires: 300 })
    // The AS's 503 came back to Sprout, which deregistered the set.
    expect((await t.request('GET', `/impu/${encodeURIComponent(impu)}/bindings`)).status).toBe(404)
  })

  it('keeps the registration when a SESSION_CONTINUED AS fails', async () => {
    await provisionLikeEllis(t.dime, impu, {
      password,
      ifc: ifc('sip:test-fail.as.edgewater.internal', 0),
    })
    await register(flowToken(4), 'tc', 1, ['<sip:c@h.invalid>'])
    expect((await t.request('GET', `/impu/${encodeURIComponent(impu)}/bindings`)).status).toBe(200)
  })

  it('deregisters on an unreachable SESSION_TERMINATED AS', async () => {
    await provisionLikeEllis(t.dime, impu, {
      password,
      ifc: ifc('sip:nowhere.as.edgewater.internal', 1),
    })
    await register(flowToken(5), 'tn', 1, ['<sip:n@h.invalid>'])
    expect((await t.request('GET', `/impu/${encodeURIComponent(impu)}/bindings`)).status).toBe(404)
  })
})

describe('admin and HSS pushes', () => {
  beforeEach(async () => {
    t = testSprout()
    await provisionLikeEllis(t.dime, impu, { password })
  })

  it('lists, then administratively deregisters with dereg-admin', async () => {
    await register(flowToken(6), 'ad', 1, ['<sip:a@h.invalid>'])
    expect(
      (await t.request('DELETE', `/impu/${encodeURIComponent(`sip:nobody@${DOMAIN}`)}`)).status
    ).toBe(400)
    const del = await t.request('DELETE', `/impu/${encodeURIComponent(impu)}`)
    expect(await del.json()).toEqual({ aor: impu, removed: 1 })
    const rd = await (
      await t.dime.request('GET', `/impu/${encodeURIComponent(impu)}/reg-data`)
    ).text()
    expect(rd).toContain('<RegistrationState>NOT_REGISTERED</RegistrationState>')
  })

  it('takes the HSS deregistration push and validates its body', async () => {
    await register(flowToken(7), 'hs', 1, ['<sip:h@h.invalid>'])
    const bad = await t.request(
      'DELETE',
      '/registrations?send-notifications=true',
      JSON.stringify({ registrations: [{}] })
    )
    expect(bad.status).toBe(400)
    expect(((await bad.json()) as { reason: string }).reason).toContain('primary-impu')
    const ok = await t.request(
      'DELETE',
      '/registrations?send-notifications=false',
      JSON.stringify({ registrations: [{ 'primary-impu': impu, impi }] })
    )
    expect(await ok.json()).toEqual({ removed: 1 })
    expect((await t.request('GET', `/impu/${encodeURIComponent(impu)}/bindings`)).status).toBe(404)
  })
})
