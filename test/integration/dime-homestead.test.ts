/**
 * Dime's Homestead signalling API through the local cloud (clearwater-interfaces §2.1): auth
 * vectors, UAR, LIR and reg-data with the whole registration state machine, the trusted zone,
 * and registration state surviving the loss of the region that wrote it.
 */
import { describe, expect, it } from 'vitest'
import { defaultPublicIdentity } from '../../shared/ims/ims-subscription'
import { parseRegDataXml } from '../../shared/ims/reg-data-xml'
import { endpoints, regionDown, regionUp } from '../support/cloud'
import { waitForReplication } from '../support/replication'
import { dime, enc, freshNumber, provision } from './dime-helpers'

const SCSCF = 'sip:scscf.sprout.example.com:5054;transport=tcp'

async function regData(res: Response) {
  expect(res.status).toBe(200)
  const r = parseRegDataXml(await res.text())
  if (!r.ok) throw new Error(`${r.error.path}: ${r.error.message}`)
  return r.value
}
const putRegData = (impu: string, reqtype: string, q = '', region: 'a' | 'b' = 'a') =>
  dime('PUT', `/impu/${enc(impu)}/reg-data${q}`, JSON.stringify({ reqtype, server_name: SCSCF }), {
    region,
  })

describe('trusted zone', () => {
  it('refuses unsigned and wrongly signed requests, leaves /healthz open', async () => {
    const base = endpoints().functions.a.dime
    expect((await fetch(`${base}/ping`)).status).toBe(401)
    expect((await fetch(`${base}/impu/sip%3Ax%40example.com/reg-data`)).status).toBe(401)
    const forged = await fetch(`${base}/ping`, {
      headers: {
        'x-edgewater-timestamp': String(Date.now()),
        'x-edgewater-signature': '00'.repeat(32),
      },
    })
    expect(forged.status).toBe(401)
    expect((await fetch(`${base}/healthz`)).status).toBe(200)
    expect(await (await dime('GET', '/ping')).text()).toBe('OK')
  })
})

describe('auth vectors', () => {
  it('serves the digest AV, the legacy digest and the 404s', async () => {
    const { impu, impi } = freshNumber()
    await provision(impu, impi, 'pw-123456')
    const av = await dime(
      'GET',
      `/impi/${enc(impi)}/av?impu=${enc(impu)}&server-name=${enc(SCSCF)}`
    )
    expect(av.status).toBe(200)
    const body = (await av.json()) as { digest: { ha1: string; realm: string; qop: string } }
    expect(body.digest.realm).toBe(endpoints().homeDomain)
    expect(body.digest.qop).toBe('auth')
    expect(body.digest.ha1).toMatch(/^[0-9a-f]{32}$/)
    const legacy = await dime('GET', `/impi/${enc(impi)}/digest?public_id=${enc(impu)}`)
    expect(await legacy.json()).toEqual({ digest_ha1: body.digest.ha1 })
    expect((await dime('GET', `/impi/${enc(impi)}/av/digest?impu=${enc(impu)}`)).status).toBe(200)
    for (const p of [
      `/impi/${enc(impi)}/av/aka?impu=${enc(impu)}`,
      `/impi/${enc(impi)}/av/aka2?impu=${enc(impu)}`,
      `/impi/${enc(impi)}/av/other?impu=${enc(impu)}`,
      `/impi/${enc(impi)}/av`,
      `/impi/nobody%40nowhere/av?impu=${enc(impu)}`,
      `/impi/${enc(impi)}/av?impu=${enc('sip:stranger@example.com')}`,
    ])
      expect((await dime('GET', p)).status, p).toBe(404)
  })
})

describe('reg-data: the registration state machine', () => {
  it('NOT_REGISTERED → REGISTERED → NOT_REGISTERED, then 400 on a second deregistration', async () => {
    const { impu, impi } = freshNumber()
    await provision(impu, impi)
    const g = await regData(await dime('GET', `/impu/${enc(impu)}/reg-data`))
    expect(g.state).toBe('NOT_REGISTERED')
    expect(g.subscription && defaultPublicIdentity(g.subscription)).toBe(impu)
    expect(g.subscription?.privateId).toBe(impi)
    expect(g.subscription?.serviceProfiles[0]?.ifcs[0]?.applicationServer.serverName).toBe(
      `sip:mmtel.${endpoints().homeDomain}`
    )
    const reg = await regData(await putRegData(impu, 'reg', `?private_id=${enc(impi)}`))
    expect([reg.state, reg.previousState]).toEqual(['REGISTERED', 'NOT_REGISTERED'])
    const rereg = await regData(await putRegData(impu, 'reg', `?private_id=${enc(impi)}`))
    expect([rereg.state, rereg.previousState]).toEqual(['REGISTERED', 'REGISTERED'])
    const authFail = await regData(await putRegData(impu, 'dereg-auth-timeout'))
    expect(authFail.state).toBe('REGISTERED')
    const dereg = await regData(await putRegData(impu, 'dereg-user'))
    expect([dereg.state, dereg.previousState]).toEqual(['NOT_REGISTERED', undefined])
    expect((await putRegData(impu, 'dereg-timeout')).status).toBe(400)
  })

  it('call gives UNREGISTERED; dereg-admin ends it; errors and methods', async () => {
    const { impu, impi } = freshNumber()
    await provision(impu, impi)
    const call = await regData(await putRegData(impu, 'call'))
    expect([call.state, call.previousState]).toEqual(['UNREGISTERED', 'NOT_REGISTERED'])
    expect((await regData(await putRegData(impu, 'dereg-admin'))).state).toBe('NOT_REGISTERED')
    expect((await putRegData(impu, 'dereg-auth-failure')).status).toBe(400)
    expect((await dime('PUT', `/impu/${enc(impu)}/reg-data`, '{oops')).status).toBe(400)
    expect((await putRegData('sip:nobody-here@example.com', 'reg')).status).toBe(404)
    expect((await dime('GET', '/impu/sip%3Anobody-here%40example.com/reg-data')).status).toBe(404)
    expect((await dime('DELETE', `/impu/${enc(impu)}/reg-data`)).status).toBe(405)
  })
})

describe('I-CSCF queries', () => {
  it('registration-status and location follow the registration', async () => {
    const { impu, impi } = freshNumber()
    await provision(impu, impi)
    const uar = (q = '') =>
      dime('GET', `/impi/${enc(impi)}/registration-status?impu=${enc(impu)}${q}`)
    const first = (await (await uar()).json()) as Record<string, unknown>
    expect(first['result-code']).toBe(2001)
    expect(first.scscf).toMatch(/^sip:/)
    const lir0 = (await (await dime('GET', `/impu/${enc(impu)}/location`)).json()) as Record<
      string,
      unknown
    >
    expect(lir0['result-code']).toBe(2003)
    await putRegData(impu, 'reg', `?private_id=${enc(impi)}`)
    expect(await (await uar('&auth-type=REG')).json()).toEqual({
      'result-code': 2002,
      scscf: SCSCF,
    })
    expect(
      await (await dime('GET', `/impu/${enc(impu)}/location?originating=true`)).json()
    ).toEqual({
      'result-code': 2001,
      scscf: SCSCF,
    })
    expect((await uar('&visited-network=elsewhere.net')).status).toBe(403)
    expect((await uar('&auth-type=NONSENSE')).status).toBe(400)
    expect(
      (await dime('GET', `/impi/${enc(impi)}/registration-status?impu=${enc('sip:x@nowhere')}`))
        .status
    ).toBe(404)
    expect((await dime('GET', '/impu/sip%3Anobody-here%40example.com/location')).status).toBe(404)
  })
})

describe('store round trips on the hot path', () => {
  it('a re-REGISTER, an auth vector and a reg-data read each cost one local KV round trip', async () => {
    const { impu, impi } = freshNumber()
    await provision(impu, impi)
    await putRegData(impu, 'reg', `?private_id=${enc(impi)}`)
    await dime('GET', `/impi/${enc(impi)}/av?impu=${enc(impu)}`) // fills the private-id cache
    const rt = (r: Response) => r.headers.get('x-edgewater-round-trips')
    expect(rt(await putRegData(impu, 'reg', `?private_id=${enc(impi)}`))).toBe(
      'calls=1; depth=1; kv-local=1'
    )
    expect(rt(await dime('GET', `/impi/${enc(impi)}/av?impu=${enc(impu)}`))).toBe(
      'calls=1; depth=1; kv-local=1'
    )
    expect(rt(await dime('GET', `/impu/${enc(impu)}/reg-data`))).toBe(
      'calls=1; depth=1; kv-local=1'
    )
  })
})

describe('geographic redundancy', () => {
  it('a registration written in region a is served by region b while a is down', async () => {
    const { impu, impi } = freshNumber()
    await provision(impu, impi)
    await putRegData(impu, 'reg', `?private_id=${enc(impi)}`)
    // The registration reached region b's table replica before the outage (a write made less
    // than the replication delay before a region fails reaches the other region on its return).
    await waitForReplication()
    await regionDown('a')
    try {
      const b = await regData(
        await dime('GET', `/impu/${enc(impu)}/reg-data`, undefined, { region: 'b' })
      )
      expect(b.state).toBe('REGISTERED')
      // Region b can carry on the state machine alone.
      const d = await regData(await putRegData(impu, 'dereg-user', '', 'b'))
      expect(d.state).toBe('NOT_REGISTERED')
    } finally {
      await regionUp('a')
    }
  })
})
