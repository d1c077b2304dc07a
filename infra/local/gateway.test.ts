import http from 'node:http'
import type net from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { CLOCK_OFFSET_HEADER } from '../../shared/config/clock'
import { LocalClock } from './emulators/local-clock'
import { RegionGateway } from './gateway'

/** A stand-in worker: records what it receives and answers as `answer` says. */
async function worker(
  answer: (req: http.IncomingMessage, body: string, res: http.ServerResponse) => void
) {
  const seen: Array<{
    method?: string
    url?: string
    headers: http.IncomingHttpHeaders
    body: string
  }> = []
  const server = http.createServer((req, res) => {
    let body = ''
    req.setEncoding('latin1')
    req.on('data', (d: string) => {
      body += d
    })
    req.on('end', () => {
      seen.push({ method: req.method, url: req.url, headers: req.headers, body })
      answer(req, body, res)
    })
  })
  const port = await new Promise<number>((r) =>
    server.listen(0, '127.0.0.1', () => r((server.address() as net.AddressInfo).port))
  )
  closers.push(() => new Promise((r) => server.close(r)))
  return { url: new URL(`http://127.0.0.1:${port}`), seen, server }
}

const closers: Array<() => unknown> = []
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c()
})

async function gatewayTo(target: URL) {
  const clock = new LocalClock()
  clock.advance(1234)
  const gw = new RegionGateway('a', clock)
  closers.push(() => gw.close())
  const port = await gw.expose('sprout', target, 0)
  return { gw, base: `http://127.0.0.1:${port}` }
}

describe('RegionGateway', () => {
  it('forwards path, method, body and headers (less hop-by-hop ones), with the clock offset', async () => {
    const w = await worker((_req, body, res) => {
      res.writeHead(201, 'Taken', [
        ['content-type', 'application/json'],
        ['set-cookie', 'a=1'],
        ['set-cookie', 'b=2'],
        ['x-answer', 'yes'],
      ])
      res.end(JSON.stringify({ echo: body }))
    })
    const { gw, base } = await gatewayTo(w.url)
    const body = 'INVITE sip:b SIP/2.0\r\nX: é\r\n\r\n'
    const res = await fetch(`${base}/sip?x=1`, {
      method: 'POST',
      headers: {
        'content-type': 'message/sip',
        'x-edgewater-signature': 'abc',
        [CLOCK_OFFSET_HEADER]: '99',
      },
      body,
    })
    expect(res.status).toBe(201)
    expect(res.statusText).toBe('Taken')
    expect(res.headers.get('content-type')).toBe('application/json')
    expect(res.headers.getSetCookie()).toEqual(['a=1', 'b=2'])
    expect(res.headers.get('x-answer')).toBe('yes')
    expect(await res.json()).toEqual({ echo: Buffer.from(body).toString('latin1') })
    const got = w.seen[0]!
    expect(got).toMatchObject({ method: 'POST', url: '/sip?x=1' })
    expect(got.headers).toMatchObject({
      'content-type': 'message/sip',
      'x-edgewater-signature': 'abc',
      [CLOCK_OFFSET_HEADER]: '1234',
      host: w.url.host,
      'content-length': String(Buffer.byteLength(body)),
    })
    expect(got.headers.connection).not.toBe('close')
    expect(gw.counters().functions.invocations).toMatchObject({ by: { sprout: 1 } })
  })

  it('passes a HEAD answer with its length and a 204 without a body', async () => {
    const w = await worker((req, _body, res) => {
      if (req.method === 'HEAD') {
        res.writeHead(200, { 'content-length': '42', 'content-type': 'text/plain' })
        res.end()
      } else {
        res.writeHead(204)
        res.end()
      }
    })
    const { base } = await gatewayTo(w.url)
    const head = await fetch(`${base}/x`, { method: 'HEAD' })
    expect([head.status, head.headers.get('content-length')]).toEqual([200, '42'])
    const none = await fetch(`${base}/y`, { method: 'DELETE' })
    expect(none.status).toBe(204)
    expect(await none.text()).toBe('')
  })

  it('answers 502 when the worker cannot be reached, and resets connections while down', async () => {
    const w = await worker((_r, _b, res) => res.end('ok'))
    const { gw, base } = await gatewayTo(w.url)
    expect(await (await fetch(`${base}/a`)).text()).toBe('ok')
    gw.setUp(false)
    await expect(fetch(`${base}/a`)).rejects.toThrow()
    gw.setUp(true)
    expect(await (await fetch(`${base}/a`)).text()).toBe('ok')
    w.server.closeAllConnections()
    await new Promise((r) => w.server.close(r))
    const res = await fetch(`${base}/a`)
    expect(res.status).toBe(502)
    expect(await res.json()).toMatchObject({
      error: expect.stringMatching(/^function unreachable/),
    })
  })
})
