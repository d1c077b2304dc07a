/**
 * @module support/local-trunk
 * Starts the SIP trunk adapter (infra/trunk) on the local cloud's trunk port (the control port
 * + 6, infra/local/trunk-bindings.ts, where the cloud's Sprouts send the BGCF's routes) with a
 * test's UDP peer behind it. Its SIP side takes a free port.
 */
import { localTrunkHopUrl } from '../../infra/local/trunk-bindings'
import { startTrunkAdapter, type TrunkAdapter } from '../../infra/trunk/trunk-adapter'
import { endpoints } from './cloud'

export function startLocalTrunk(
  peerPort: number,
  opts: { trustOrig?: boolean } = {}
): Promise<TrunkAdapter> {
  const e = endpoints()
  const hopUrl = localTrunkHopUrl(Number(new URL(e.control).port))
  return startTrunkAdapter(
    {
      name: 'pstn',
      hopSecret: e.hopSecret,
      functionUrls: e.functions,
      edgeUrl: e.edges.a,
      homeRegion: 'a',
      httpHost: '127.0.0.1',
      httpPort: Number(new URL(hopUrl).port),
      hopUrl,
      sipHost: '127.0.0.1',
      sipPort: 0,
      publicHost: '127.0.0.1',
      peer: { host: '127.0.0.1', port: peerPort, transport: 'udp' },
      trustOrig: opts.trustOrig ?? false,
      maxMessageBytes: 65_507,
      maxTransactions: 1_000,
      hopTimeoutMs: 4_000,
    },
    () => undefined
  )
}
