/**
 * A fake FlowIo for the flow-logic unit tests (edge/flow-logic-*.test.ts): it records what the
 * flow sends to the client, the core and internal URLs, and the transaction log lines, on an
 * injected clock; and the SIP messages those tests start from.
 */
import { expect } from 'vitest'
import type { HopResult } from '../../shared/hop/sip-over-http'
import { createLogger } from '../../shared/log/logger'
import { parseMessage, type SipRequest } from '../../shared/sip'
import { fromClient } from '../client-inbound'
import { fromCore } from '../core-inbound'
import type { EdgeConfig } from '../edge-config'
import type { FlowIo } from '../flow-io'
import { newFlowState } from '../flow-state'
import { FlowTransactions } from '../flow-transactions'

export const TOKEN = `${'ab'.repeat(32)}.${'cd'.repeat(12)}`
const urls = (r: string) =>
  ({
    sprout: `http://sprout-${r}`,
    dime: 'http://d',
    homer: 'http://h',
    ellis: 'http://e',
    timers: 'http://t',
  }) as const
export const cfg: EdgeConfig = {
  homeRegion: 'a',
  functionUrls: { a: urls('a'), b: urls('b') },
  hopSecret: { secret: 'x'.repeat(20) },
  flowTokenKeys: 'y'.repeat(20),
  homeDomain: 'example.com',
  maxMessageBytes: 2000,
  ratePerSecond: 5,
  rateBurst: 3,
  identityGraceMs: 30_000,
  upstreamTimeoutMs: 1000,
  breakerOpenMs: 1000,
  dialogTokenLifetimeMs: 3_600_000,
  maxInternalBodyBytes: 4000,
  maxFlowsPerAddress: 4,
  healthCacheMs: 1000,
  flowQueueLimit: 8,
  // Sprout challenges here, so a REGISTER without credentials reaches the core as the tests of
  // forwarding expect; edge/register-challenge.test.ts turns the edge's own challenge on.
  registerChallenge: false,
  regMinExpires: 0,
}

export function harness(
  opts: {
    core?: (region: string, text: string) => HopResult
    /** What a hop to an internal URL (a Sprout's, for a response) answers; ok by default. */
    url?: (url: string, text: string) => HopResult
    /** Settings other than {@link cfg}'s (limits a test needs higher or lower). */
    cfg?: Partial<EdgeConfig>
  } = {}
) {
  const config: EdgeConfig = { ...cfg, ...opts.cfg }
  let now = 1_000_000
  const toClient: string[] = []
  const toCore: { region: string; text: string }[] = []
  const toUrl: { url: string; text: string }[] = []
  const logged: Record<string, unknown>[] = []
  const txLog = createLogger(
    { component: 'edge' },
    { sink: (line) => logged.push(JSON.parse(line) as Record<string, unknown>) }
  )
  const io: FlowIo = {
    cfg: config,
    now: () => now,
    randomHex: (n) => '0'.repeat(n * 2),
    publicHost: 'edge.example.net:443',
    state: newFlowState(TOKEN, 'a', config.rateBurst, now),
    toClient: (t) => toClient.push(t),
    toCore: async (region, text) => {
      toCore.push({ region, text })
      return opts.core?.(region, text) ?? { ok: true }
    },
    toUrl: async (url, text) => {
      toUrl.push({ url, text })
      return opts.url?.(url, text) ?? { ok: true }
    },
    resolve: (host, user) =>
      host.startsWith('sprout.')
        ? `http://${host}/sip`
        : host === 'edge.edgewater.internal' && user
          ? `http://edge/internal/flows/${user}/sip`
          : undefined,
    log: () => {},
    transactions: new FlowTransactions(txLog, 'flow-1'),
  }
  return { io, toClient, toCore, toUrl, logged, advance: (ms: number) => (now += ms) }
}

export const req = (lines: string[], body = '') =>
  `${lines.join('\r\n')}\r\nContent-Length: ${body.length}\r\n\r\n${body}`

export const register = (extra: string[] = []) =>
  req([
    'REGISTER sip:example.com SIP/2.0',
    'Via: SIP/2.0/WSS df7jal23ls0d.invalid;branch=z9hG4bKreg1',
    'Max-Forwards: 70',
    'From: <sip:alice@example.com>;tag=f1',
    'To: <sip:alice@example.com>',
    'Call-ID: reg-call',
    'CSeq: 1 REGISTER',
    'Contact: <sip:a1@df7jal23ls0d.invalid;transport=ws>;+sip.instance="<urn:uuid:00000000-0000-0000-0000-000000000001>";reg-id=1',
    'P-Asserted-Identity: <sip:admin@example.com>',
    'P-Charging-Vector: icid-value=forged',
    ...extra,
  ])

export const invite = (extra: string[] = []) =>
  req([
    'INVITE sip:bob@example.com SIP/2.0',
    'Via: SIP/2.0/WSS df7jal23ls0d.invalid;branch=z9hG4bKinv1',
    'Max-Forwards: 70',
    'From: <sip:alice@example.com>;tag=f2',
    'To: <sip:bob@example.com>',
    'Call-ID: inv-call',
    'CSeq: 1 INVITE',
    'Contact: <sip:a1@df7jal23ls0d.invalid;transport=ws;ob>',
    ...extra,
  ])

export const parsed = (t: string) => parseMessage(t)

/** Runs a REGISTER through and answers it with a 200 from the core, authenticating the flow. */
export async function authenticate(h: ReturnType<typeof harness>) {
  await fromClient(h.io, register())
  const fwd = parsed(h.toCore.at(-1)!.text) as SipRequest
  const ok = req([
    'SIP/2.0 200 OK',
    ...fwd.getAllRaw('via').map((v) => `Via: ${v}`),
    'From: <sip:alice@example.com>;tag=f1',
    'To: <sip:alice@example.com>;tag=t1',
    'Call-ID: reg-call',
    'CSeq: 1 REGISTER',
    'Contact: <sip:a1@df7jal23ls0d.invalid;transport=ws>;+sip.instance="<urn:uuid:00000000-0000-0000-0000-000000000001>";reg-id=1;expires=300',
    `Path: <sip:${TOKEN}@edge.edgewater.internal;lr;ob>`,
    'Service-Route: <sip:sprout.b.edgewater.internal;lr;orig>',
    'P-Associated-URI: <sip:alice@example.com>, <tel:+16505550001>',
  ])
  expect(await fromCore(h.io, ok)).toEqual({ status: 202 })
}
