/**
 * The I-CSCF role in front of the registrar (functions/sprout/routing/icscf-register.ts): with
 * one S-CSCF pool, a REGISTER without credentials goes to the registrar at once (a stateless
 * 401, no HSS lookup). A REGISTER that merely carries an `Authorization` with a `response`,
 * made up without any challenge, must fare the same: it must not buy a UAR (a Homestead
 * lookup per message) and must not tell an identity Homestead knows from one it does not (a
 * made-up identity would get the UAR's 403, a real one the registrar's 401). Drives the local
 * cloud over WebSocket SIP and counts Dime's invocations on the control API.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { subscriber } from '../integration/registrar-helpers'
import { endpoints } from '../support/cloud'
import { register, SourceSocket, statusOf } from './register-helpers'

const sockets: SourceSocket[] = []
afterEach(() => {
  for (const s of sockets.splice(0)) s.close()
})

async function dimeInvocations(): Promise<number> {
  const r = await fetch(`${endpoints().control}/counters`)
  const c = (await r.json()) as {
    regions: Record<string, { functions: { invocations: { by: Record<string, number> } } }>
  }
  return Object.values(c.regions).reduce((n, x) => n + (x.functions.invocations.by.dime ?? 0), 0)
}

/** An Authorization nobody challenged: a nonce of the right shape that Sprout never sealed. */
function madeUp(user: string, uri: string): string {
  const nonce = Buffer.from(crypto.getRandomValues(new Uint8Array(36))).toString('base64url')
  return `Digest username="${user}", realm="${endpoints().homeDomain}", nonce="${nonce}", uri="${uri}", response="${'0'.repeat(32)}", algorithm=MD5, qop=auth, nc=00000001, cnonce="abcdef01"`
}

describe('made-up credentials at the I-CSCF', () => {
  it('cost no HSS lookup and look the same for known and unknown identities', async () => {
    const sub = await subscriber('forged-cred')
    const domain = endpoints().homeDomain
    const ws = await SourceSocket.open()
    sockets.push(ws)
    const unknown = `forged${Date.now()}`
    const before = await dimeInvocations()
    const answers: Record<string, string[]> = { known: [], unknown: [] }
    for (let i = 0; i < 4; i++) {
      const known = await ws.request(
        register({
          to: sub.impu,
          callId: `forged-k-${Date.now()}-${i}`,
          cseq: 1,
          contact: '<sip:f@x.invalid>',
          authorization: madeUp(sub.impi, `sip:${domain}`),
        })
      )
      answers.known!.push(`${statusOf(known)}`)
      const stranger = await ws.request(
        register({
          to: `sip:${unknown}@${domain}`,
          callId: `forged-u-${Date.now()}-${i}`,
          cseq: 1,
          contact: '<sip:f@x.invalid>',
          authorization: madeUp(`${unknown}@${domain}`, `sip:${domain}`),
        })
      )
      answers.unknown!.push(`${statusOf(stranger)}`)
    }
    // A fresh challenge for both, as for a REGISTER without credentials.
    expect(answers.known).toEqual(['401', '401', '401', '401'])
    expect(answers.unknown).toEqual(answers.known)
    expect(await dimeInvocations()).toBe(before)
  })
})
