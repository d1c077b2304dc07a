/**
 * A second SIP stack against the registrar: JsSIP 3.13 registers through the edge with digest
 * authentication (answering the MD5 challenge it understands), is seen in the registrar's
 * bindings, and unregisters.
 */
import JsSIP from 'jssip'
import { describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { bindingsOf, subscriber } from '../integration/registrar-helpers'
import { endpoints, eventually } from '../support/cloud'
import { waitForReplication } from '../support/replication'

const g = globalThis as { WebSocket?: unknown }
g.WebSocket ??= WebSocket

describe('JsSIP against the registrar', () => {
  it('registers with digest and unregisters', async () => {
    const sub = await subscriber('jssip')
    // Provisioned in region a; an edge whose breaker still skips a (an earlier file took it
    // down) sends the REGISTER to region b, which serves it once its replica has the records.
    await waitForReplication()
    JsSIP.debug.disable('JsSIP:*')
    const socket = new JsSIP.WebSocketInterface(endpoints().sip.a)
    const ua = new JsSIP.UA({
      sockets: [socket],
      uri: sub.impu,
      authorization_user: sub.impi,
      password: sub.password,
      register: false,
      register_expires: 120,
    })
    const registered = new Promise<{
      response: { status_code: number; getHeaders(n: string): string[] }
    }>((resolve, reject) => {
      ua.on('registered', resolve)
      ua.on('registrationFailed', (e) =>
        reject(new Error(`registration failed: ${String(e.cause)}`))
      )
    })
    const connected = new Promise((resolve) => ua.on('connected', resolve))
    ua.start()
    await connected
    ua.register()
    const r = await registered
    expect(r.response.status_code).toBe(200)
    expect(r.response.getHeaders('P-Associated-URI')).toContain(`<${sub.impu}>`)
    expect(Object.keys(await bindingsOf(sub.impu))).toHaveLength(1)
    const unregistered = new Promise((resolve) => ua.on('unregistered', resolve))
    ua.unregister()
    await unregistered
    await eventually(async () => Object.keys(await bindingsOf(sub.impu)).length === 0)
    ua.stop()
  })
})
