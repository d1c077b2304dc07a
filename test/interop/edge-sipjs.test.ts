/**
 * A real sip.js user agent (Node, `ws`) through the edge: it connects with the `sip` subprotocol,
 * registers with digest authentication, keeps its flow alive with RFC 5626 CRLF keepalives, and
 * registers through region b when region a — its edge's home region — is down.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { freshNumber, provision } from '../integration/dime-helpers'
import { endpoints, regionDown, regionUp } from '../support/cloud'
import { waitForReplication } from '../support/replication'
import { TestUa } from '../support/sip-ua'

const uas: TestUa[] = []
afterEach(async () => {
  await Promise.all(uas.splice(0).map((u) => u.stop().catch(() => {})))
})

async function subscriber() {
  const n = freshNumber()
  await provision(n.impu, n.impi, 'edge-test-pw')
  return n
}

async function ua(n: { impu: string; impi: string }, region: 'a' | 'b' = 'a') {
  const u = await TestUa.start({
    server: endpoints().sip[region],
    impu: n.impu,
    impi: n.impi,
    password: 'edge-test-pw',
  })
  uas.push(u)
  return u
}

describe('sip.js through the edge', () => {
  it('registers with digest and learns the edge-facing route; keepalives are answered', async () => {
    const n = await subscriber()
    // An edge whose breaker still skips region a (an earlier file took it down) registers
    // through region b, which serves the new subscriber once its replica has the records.
    await waitForReplication()
    const u = await ua(n)
    const ok = await u.register()
    expect(ok.status).toBe(200)
    // The challenge cycle passed through the edge: the first REGISTER was answered 401.
    expect(u.received.some((m) => /^SIP\/2\.0 401 /.test(m))).toBe(true)
    // Core-private headers never reach the client.
    expect(ok.headers.path).toBeUndefined()
    expect(ok.headers['p-associated-uri']?.join(',')).toContain(n.impu)

    // sip.js consumes the CRLF pong itself, so listen on its socket (RFC 5626 §4.4.1).
    const transport = u.ua.transport as unknown as { ws: WebSocket; send(m: string): Promise<void> }
    const pongs: string[] = []
    transport.ws.addEventListener('message', (ev) => pongs.push(String(ev.data)))
    for (let i = 0; i < 3; i++) await transport.send('\r\n\r\n')
    await expect.poll(() => pongs.filter((p) => p === '\r\n').length, { timeout: 5_000 }).toBe(3)
    expect(u.ua.isConnected()).toBe(true)
    expect(u.registered).toBe(true)
  })

  it('registers through the other region when the edge’s home region is down', async () => {
    const n = await subscriber()
    // Provisioned in region a: region b serves it once its replica has the records.
    await waitForReplication()
    await regionDown('a')
    try {
      const u = await ua(n, 'a')
      const ok = await u.register()
      expect(ok.status).toBe(200)
      // Sprout of region b served it: its Service-Route names region b's S-CSCF.
      expect(ok.raw).toMatch(/Service-Route: <sip:sprout\.b\.edgewater\.internal;lr;orig>/i)
    } finally {
      await regionUp('a')
    }
  })
})
