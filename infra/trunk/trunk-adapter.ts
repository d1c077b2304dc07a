/**
 * @module trunk/trunk-adapter
 * Starts the SIP trunk adapter (docs/trunk.md): the SIP side (sip-transport.ts, UDP and TCP on
 * one port), the signed hop side (an HTTP server taking `POST /sip` only with a valid hop
 * signature addressed to `TRUNK_HOP_URL`, shared/hop/signature.ts; `GET /healthz` answers 200),
 * and the proxy between them (trunk-proxy.ts), which takes SIP only from the peer's addresses
 * (`TRUNK_PEER_SOURCES`, else what `TRUNK_PEER` names, resolved once at start-up). Requests to
 * the core are signed and posted with `postSip`; the resolver maps internal addresses (Sprout of
 * either region, the edge's flows) to URLs as every component does.
 */
import { lookup } from 'node:dns/promises'
import { createServer, type IncomingMessage, type Server } from 'node:http'
import { isIP } from 'node:net'
import { createResolver } from '../../shared/hop/resolver'
import { type HopKeys, verifySignature } from '../../shared/hop/signature'
import { postSip } from '../../shared/hop/sip-over-http'
import { openSipTransport } from './sip-transport'
import type { TrunkConfig } from './trunk-config'
import { TrunkProxy } from './trunk-proxy'

export interface TrunkAdapter {
  readonly sipPort: number
  readonly httpPort: number
  /** The URL the core posts to (Sprout's `TRUNK_URLS` entry for this trunk). */
  readonly hopUrl: string
  close(): Promise<void>
}

export type TrunkLog = (msg: string, fields?: Record<string, unknown>) => void

async function bodyOf(req: IncomingMessage, limit: number): Promise<Uint8Array | undefined> {
  const chunks: Buffer[] = []
  let n = 0
  for await (const c of req) {
    n += (c as Buffer).length
    if (n > limit) return undefined
    chunks.push(c as Buffer)
  }
  return new Uint8Array(Buffer.concat(chunks))
}

/** The addresses `host` stands for: itself when it is one, else what it resolves to now. */
async function addressesOf(host: string): Promise<string[]> {
  if (isIP(host) !== 0) return [host]
  try {
    return (await lookup(host, { all: true })).map((a) => a.address)
  } catch {
    throw new Error(
      `TRUNK_PEER: ${host} does not resolve; set TRUNK_PEER_SOURCES to the addresses it sends from`
    )
  }
}

export async function startTrunkAdapter(cfg: TrunkConfig, log: TrunkLog): Promise<TrunkAdapter> {
  let proxy: TrunkProxy | undefined
  const sip = await openSipTransport(
    cfg.sipHost,
    cfg.sipPort,
    (text, source) => {
      proxy
        ?.fromPeer(text, source)
        .catch((err) => log('peer message failed', { error: String(err) }))
    },
    log
  )
  const http: Server = createServer()
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject)
    http.listen(cfg.httpPort, cfg.httpHost, () => {
      http.off('error', reject)
      resolve()
    })
  })
  const addr = http.address()
  const httpPort = typeof addr === 'object' && addr ? addr.port : cfg.httpPort
  const hopUrl = cfg.hopUrl ?? `http://${cfg.httpHost}:${httpPort}/sip`
  const keys: HopKeys = { secret: cfg.hopSecret, previous: cfg.hopSecretPrevious, self: [hopUrl] }
  const resolver = createResolver({ functionUrls: cfg.functionUrls, edgeUrl: cfg.edgeUrl })
  const peerSources = cfg.peerSources ?? (await addressesOf(cfg.peer.host))
  proxy = new TrunkProxy(
    { ...cfg, peerSources },
    resolver,
    {
      toPeer: (text, to) => sip.send(text, to),
      toCore: (url, text) =>
        postSip(url, text, { secret: cfg.hopSecret, timeoutMs: cfg.hopTimeoutMs }),
      now: () => Date.now(),
      setTimer: (ms, fn) => setTimeout(fn, ms),
      clearTimer: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
      log,
    },
    sip.port
  )
  const p = proxy
  http.on('request', async (req, res) => {
    try {
      const path = (req.url ?? '/').split('?')[0]
      if (req.method === 'GET' && path === '/healthz') {
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}')
        return
      }
      if (req.method !== 'POST' || path !== '/sip') {
        res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}')
        return
      }
      const body = await bodyOf(req, cfg.maxMessageBytes)
      if (!body) {
        res.writeHead(413, { 'content-type': 'application/json' }).end('{"error":"too large"}')
        return
      }
      const headers = new Headers()
      for (const [k, v] of Object.entries(req.headers))
        if (typeof v === 'string') headers.set(k, v)
        else if (Array.isArray(v)) headers.set(k, v.join(', '))
      const url = new URL(req.url ?? '/sip', hopUrl).toString()
      const v = await verifySignature(keys, 'POST', url, headers, body)
      if (!v.ok) {
        res.writeHead(401, { 'content-type': 'application/json' })
        res.end(JSON.stringify({ error: 'forbidden', reason: v.reason }))
        return
      }
      const status = await p.fromCore(new TextDecoder().decode(body))
      res.writeHead(status).end()
    } catch (err) {
      log('hop request failed', { error: String(err) })
      if (!res.headersSent) res.writeHead(500).end()
    }
  })
  log('trunk adapter ready', { name: cfg.name, sip: `${cfg.sipHost}:${sip.port}`, hop: hopUrl })
  return {
    sipPort: sip.port,
    httpPort,
    hopUrl,
    async close() {
      p.close()
      await sip.close()
      await new Promise<void>((r) => http.close(() => r()))
    },
  }
}
