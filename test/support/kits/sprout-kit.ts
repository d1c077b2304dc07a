/**
 * @module sprout/test-kit
 * Unit-test harness for Sprout: the real routes mounted on a function app over in-memory Vellum
 * (one shared store, a round-trip counter reset per request), the real Dime mounted in-process as
 * the HSS (dime/test-kit.ts), a movable clock, and a fake internal hop that records everything
 * Sprout posts to edge flows, routes posts to Sprout itself (the test AS's answers) back into the
 * app, and answers 410 for flows a test marked closed. Helpers write the REGISTERs and SUBSCRIBEs
 * the edge would forward and answer digest challenges. Used only by tests.
 */

import type { SproutDeps } from '../../../functions/sprout/sprout-deps'
import { parseMessage, type SipRequest, type SipResponse } from '../../../shared/sip'
import { digestParams } from '../../../shared/sip/auth-header'
import {
  buildCredentials,
  computeDigestResponse,
  computeHa1,
  formatNonceCount,
} from '../../../shared/sip/digest'
import { type MemoryVellum, memoryVellum } from '../../../shared/vellum'
import { unitTestEnv } from '../unit-env'
import { provisionLikeEllis, type TestDime, testDime } from './dime-kit'
import { DOMAIN, EDGE, SPROUT_A, sproutCore } from './sprout-core'

export { DOMAIN, EDGE, SPROUT_A }

export interface Posted {
  url: string
  /** Flow token when posted to an edge flow. */
  token?: string
  text: string
  msg: SipRequest | SipResponse
}

export interface TestSprout {
  post(text: string): Promise<Response>
  request(method: string, path: string, body?: string): Promise<Response>
  vellum: MemoryVellum
  dime: TestDime
  clock: { now(): number; advance(ms: number): void }
  posted: Posted[]
  closedFlows: Set<string>
  /** Posts to the flow, in order. */
  toFlow(token: string): Posted[]
  logs: string[]
  deps(): SproutDeps
}

export function testSprout(extra: Record<string, string> = {}): TestSprout {
  const raw: Record<string, string> = {
    ...unitTestEnv(),
    SPROUT_TEST_AS: '1',
    AS_URLS: JSON.stringify({
      test: `${SPROUT_A}/test-as/sip`,
      'test-fail': `${SPROUT_A}/test-as/sip?mode=fail`,
    }),
    ...extra,
  }
  const dime = testDime()
  const vellum = memoryVellum(dime.clock)
  const posted: Posted[] = []
  const closedFlows = new Set<string>()
  const core = sproutCore({
    raw,
    component: 'sprout-test',
    dime,
    vellum,
    dimeFetch: async (url, init) => {
      const u = new URL(url)
      return dime.request(
        init.method ?? 'GET',
        u.pathname + u.search,
        typeof init.body === 'string' ? init.body : undefined
      )
    },
    hop: async (url, init, self) => {
      const text = typeof init?.body === 'string' ? init.body : ''
      if (url.startsWith(`${SPROUT_A}/`)) return self()
      const m = /\/internal\/flows\/([^/]+)\/sip$/.exec(url)
      const token = m ? decodeURIComponent(m[1]!) : undefined
      posted.push({ url, ...(token ? { token } : {}), text, msg: parseMessage(text) })
      if (token && closedFlows.has(token)) return new Response('gone', { status: 410 })
      return new Response(null, { status: 202 })
    },
    defer: (t) => void t(),
  })
  return {
    post: core.post,
    request: core.request,
    vellum,
    dime,
    clock: core.clock,
    posted,
    closedFlows,
    toFlow: (token) => posted.filter((p) => p.token === token),
    logs: core.logs,
    deps: core.deps,
  }
}

/** A 64-hex + tag token shaped like the edge's (the fake hop does not check the tag). */
export function flowToken(n: number): string {
  return `${n.toString(16).padStart(64, '0')}.${'ab'.repeat(12)}`
}

export interface RegisterSpec {
  impu: string
  token: string
  callId: string
  cseq: number
  /** Contact values; [] for a fetch. */
  contacts: string[]
  expires?: number
  authorization?: string
  supported?: string
  extra?: string[]
}

let branchSeq = 0

/** A REGISTER as the edge forwards it (docs/internal-hop.md). */
export function edgeRegister(s: RegisterSpec): string {
  const lines = [
    `REGISTER sip:${DOMAIN} SIP/2.0`,
    `Via: SIP/2.0/HTTP edge.edgewater.internal;branch=z9hG4bKedge${++branchSeq};flow=${s.token}`,
    `Via: SIP/2.0/WSS client.invalid;branch=z9hG4bKua${branchSeq}`,
    'Max-Forwards: 69',
    `From: <${s.impu}>;tag=ua${s.callId.slice(0, 6)}`,
    `To: <${s.impu}>`,
    `Call-ID: ${s.callId}`,
    `CSeq: ${s.cseq} REGISTER`,
    ...s.contacts.map((c) => `Contact: ${c}`),
    ...(s.expires !== undefined ? [`Expires: ${s.expires}`] : []),
    `Path: <sip:${s.token}@edge.edgewater.internal;lr;ob>`,
    `Supported: ${s.supported ?? 'path, gruu, outbound'}`,
    ...(s.authorization ? [`Authorization: ${s.authorization}`] : []),
    ...(s.extra ?? []),
    'Content-Length: 0',
    '',
    '',
  ]
  return lines.join('\r\n')
}

/** The Authorization answering a 401 (MD5 by default), with nonce-count `nc`. */
export function answer401(
  res: SipResponse,
  o: { impi: string; password: string; algorithm?: 'MD5' | 'SHA-256'; nc?: number; uri?: string }
): string {
  const alg = o.algorithm ?? 'MD5'
  const ch = res
    .getAll('www-authenticate')
    .map(digestParams)
    .find((p) => (p.algorithm ?? 'MD5').toUpperCase() === alg)
  if (!ch?.nonce || !ch.realm) throw new Error(`no ${alg} challenge in ${res.startLine}`)
  const uri = o.uri ?? `sip:${DOMAIN}`
  const nc = formatNonceCount(o.nc ?? 1)
  const cnonce = 'c0ffee'
  const ha1 = computeHa1(o.impi, ch.realm, o.password, alg)
  const response = computeDigestResponse({
    ha1,
    method: 'REGISTER',
    uri,
    nonce: ch.nonce,
    algorithm: alg,
    qop: 'auth',
    nc,
    cnonce,
  })
  return buildCredentials({
    username: o.impi,
    realm: ch.realm,
    nonce: ch.nonce,
    uri,
    response,
    algorithm: alg,
    qop: 'auth',
    nc,
    cnonce,
    ...(ch.opaque ? { opaque: ch.opaque } : {}),
  })
}

export { provisionLikeEllis }

export interface SubscribeSpec {
  target: string
  watcher: string
  token: string
  callId: string
  cseq: number
  expires?: number
  /** In-dialog: Sprout's tag (To) and the request goes to Sprout's Contact. */
  toTag?: string
  fromTag?: string
}

/** A reg-event SUBSCRIBE as the edge forwards it (Service-Route preloaded, double Record-Route). */
export function edgeSubscribe(s: SubscribeSpec): string {
  const inDialog = s.toTag !== undefined
  const lines = [
    `SUBSCRIBE ${inDialog ? 'sip:sprout.a.edgewater.internal' : s.target} SIP/2.0`,
    `Via: SIP/2.0/HTTP edge.edgewater.internal;branch=z9hG4bKsub${++branchSeq};flow=${s.token}`,
    `Via: SIP/2.0/WSS client.invalid;branch=z9hG4bKuas${branchSeq}`,
    'Max-Forwards: 69',
    // The edge has popped its own Route entries; Sprout's (recorded or preloaded) is left.
    inDialog
      ? 'Route: <sip:sprout.a.edgewater.internal;lr>'
      : 'Route: <sip:sprout.a.edgewater.internal;lr;orig>',
    ...(inDialog
      ? []
      : [
          `Record-Route: <sip:${s.token}@edge.edgewater.internal;lr>`,
          `Record-Route: <sip:${s.token}@edge.example.net;transport=ws;lr>`,
        ]),
    `From: <${s.watcher}>;tag=${s.fromTag ?? 'w1'}`,
    `To: <${s.target}>${inDialog ? `;tag=${s.toTag}` : ''}`,
    `Call-ID: ${s.callId}`,
    `CSeq: ${s.cseq} SUBSCRIBE`,
    'Contact: <sip:watcher@client.invalid;transport=ws;ob>',
    'Event: reg',
    'Accept: application/reginfo+xml',
    `P-Asserted-Identity: <${s.watcher}>`,
    ...(s.expires !== undefined ? [`Expires: ${s.expires}`] : []),
    'Content-Length: 0',
    '',
    '',
  ]
  return lines.join('\r\n')
}

/** Delivers the due pops of the in-memory timer service to their callbacks on Sprout. */
export async function firePops(
  t: TestSprout
): Promise<Array<{ path: string; status: number; body: string }>> {
  const out: Array<{ path: string; status: number; body: string }> = []
  const timers = t.vellum.timers as unknown as {
    takeDue(): Array<{ callbackUri: string; opaque: string }>
  }
  for (const p of timers.takeDue()) {
    const path = new URL(p.callbackUri).pathname
    const res = await t.request('POST', path, p.opaque)
    out.push({ path, status: res.status, body: await res.text() })
  }
  return out
}

/** Posts `text` to Sprout as the edge would; returns what Sprout then sent to flow `token`. */
export async function postFromFlow(
  t: TestSprout,
  text: string,
  token: string
): Promise<Array<SipRequest | SipResponse>> {
  const before = t.toFlow(token).length
  const res = await t.post(text)
  if (res.status !== 202) throw new Error(`the hop answered ${res.status}, not 202`)
  return t
    .toFlow(token)
    .slice(before)
    .map((p) => p.msg)
}

/** REGISTER, answer the 401 with the subscriber's password, REGISTER again: the final response. */
export async function registerWithAuth(
  t: TestSprout,
  who: { impu: string; impi: string; password: string },
  r: { token: string; callId: string; cseq: number; contacts: string[]; expires?: number }
): Promise<SipResponse> {
  const e = r.expires !== undefined ? { expires: r.expires } : {}
  const base = { impu: who.impu, token: r.token, callId: r.callId, contacts: r.contacts, ...e }
  const [ch] = (await postFromFlow(
    t,
    edgeRegister({ ...base, cseq: r.cseq }),
    r.token
  )) as SipResponse[]
  const authorization = answer401(ch!, { impi: who.impi, password: who.password })
  const out = await postFromFlow(
    t,
    edgeRegister({ ...base, cseq: r.cseq + 1, authorization }),
    r.token
  )
  return out.find((m) => m.kind === 'response') as SipResponse
}
