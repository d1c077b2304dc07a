import { describe, expect, it } from 'vitest'
import { mergeFragments } from '../../../shared/ims/call-list'
import { createLogger } from '../../../shared/log/logger'
import { parseMessage, type SipRequest } from '../../../shared/sip'
import { TableCallListStore } from '../../../shared/vellum/call-list-store'
import { MemoryGlobalTable } from '../../../shared/vellum/memory-table'
import type { RoutingDeps } from '../routing/routing-deps'
import { openDialogToken, sealDialogToken } from './dialog-token'
import type { MementoCall } from './memento-call'
import {
  isBuiltInMemento,
  markDialog,
  noteMementoSide,
  recordEnd,
  recordOutcome,
} from './memento-service'

const HOST = 'sprout.a.edgewater.internal'
const ALICE = 'sip:6505550001@example.com'
const BOB = 'sip:6505550002@example.com'
const SECRET = 'unit-test-secret-0123456789abcdef'

function invite(extra = ''): SipRequest {
  return parseMessage(
    [
      `INVITE ${BOB} SIP/2.0`,
      'Via: SIP/2.0/WSS client.invalid;branch=z9hG4bK1',
      'Max-Forwards: 70',
      `From: "Alice A" <${ALICE}>;tag=f1`,
      `To: <${BOB}>`,
      'Call-ID: call-1@test',
      'CSeq: 1 INVITE',
      `Record-Route: <sip:${HOST};lr>`,
      'Contact: <sip:alice@client.invalid;transport=ws>',
      ...(extra ? [extra] : []),
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n')
  ) as SipRequest
}

function deps(opts: { notify?: string } = {}) {
  let t = Date.UTC(2026, 11, 7, 9)
  const table = new MemoryGlobalTable({ now: () => t })
  const work: Array<Promise<unknown>> = []
  const posts: Array<{ url: string; init: RequestInit }> = []
  const d = {
    homeDomain: 'example.com',
    scscfHost: HOST,
    nonceSecret: SECRET,
    hopSecret: SECRET,
    clock: { now: () => t },
    log: createLogger({ component: 'memento-test' }, { level: 'error' }),
    vellum: { table },
    config: { MEMENTO_TTL_S: 604_800, MEMENTO_NOTIFY_URL: opts.notify },
    defer: (task: () => Promise<unknown>) => {
      work.push(task())
    },
    fetch: async (url: string, init: RequestInit) => {
      posts.push({ url, init })
      return new Response(null, { status: 204 })
    },
  } as unknown as RoutingDeps
  const list = async (impu: string) => {
    await Promise.all(work.splice(0))
    const page = await new TableCallListStore(table).read(impu, { maxFragments: 100 })
    return mergeFragments(page.fragments)
  }
  return { d, list, posts, advance: (ms: number) => (t += ms) }
}

describe('built-in Memento', () => {
  it('is named by sip:memento.<domain>, MEMENTO_HOST or sip:memento@<domain>', () => {
    expect(isBuiltInMemento('sip:memento.example.com', 'example.com')).toBe(true)
    expect(isBuiltInMemento('sip:memento@example.com;transport=tcp', 'example.com')).toBe(true)
    expect(isBuiltInMemento('sip:calls.example.net', 'example.com', 'calls.example.net')).toBe(true)
    expect(isBuiltInMemento('sip:mmtel.example.com', 'example.com')).toBe(false)
    expect(isBuiltInMemento('sip:memento.example.org', 'example.com')).toBe(false)
  })

  it('records an answered call for both parties, then its end at the BYE', async () => {
    const { d, list, advance } = deps()
    const req = invite()
    const call: { memento?: MementoCall } = {}
    noteMementoSide(call, req, ALICE, true, d.clock.now())
    noteMementoSide(call, req, BOB, false, d.clock.now())
    await markDialog(d, call.memento!, [req])
    const rr = req.get('record-route')!
    expect(rr.uri.kind === 'sip' && rr.uri.host).toBe(HOST)
    advance(3000)
    recordOutcome(d, req.toString(), call.memento!, 200)
    advance(60_000)
    const bye = parseMessage(
      `BYE sip:bob@client.invalid SIP/2.0\r\nVia: SIP/2.0/WSS c;branch=z9hG4bK2\r\nFrom: <${BOB}>;tag=t\r\nTo: <${ALICE}>;tag=f1\r\nCall-ID: call-1@test\r\nCSeq: 2 BYE\r\nContent-Length: 0\r\n\r\n`
    ) as SipRequest
    await recordEnd(d, bye, [rr])
    const [alice] = await list(ALICE)
    expect(alice).toMatchObject({
      callId: 'call-1@test',
      outgoing: true,
      answered: true,
      from: { uri: ALICE, name: 'Alice A' },
      to: { uri: BOB, name: '' },
    })
    expect(alice!.answerMs! - alice!.startMs).toBe(3000)
    expect(alice!.endMs! - alice!.answerMs!).toBe(60_000)
    const [bob] = await list(BOB)
    expect(bob).toMatchObject({ outgoing: false, answered: true, from: { uri: ALICE } })
    expect(bob!.endMs).toBe(alice!.endMs)
  })

  it('records a rejected call as not answered, with no answer or end time', async () => {
    const { d, list } = deps()
    const call: { memento?: MementoCall } = {}
    noteMementoSide(call, invite(), ALICE, true, d.clock.now())
    recordOutcome(d, invite(), call.memento!, 486)
    const [c] = await list(ALICE)
    expect(c).toMatchObject({ answered: false, outgoing: true })
    expect(c!.answerMs).toBeUndefined()
    expect(c!.endMs).toBeUndefined()
  })

  it('shows a caller who withheld its identity as Anonymous to the callee only', async () => {
    for (const privacy of ['Privacy: id', 'Privacy: header', 'Privacy: user']) {
      const { d } = deps()
      const call: { memento?: MementoCall } = {}
      noteMementoSide(call, invite(privacy), ALICE, true, d.clock.now())
      noteMementoSide(call, invite(privacy), BOB, false, d.clock.now())
      expect(call.memento!.sides.map((s) => s.from)).toEqual([
        { uri: ALICE, name: 'Alice A' },
        { uri: 'sip:anonymous@anonymous.invalid', name: 'Anonymous' },
      ])
    }
  })

  it('ignores requests other than INVITE', () => {
    const { d } = deps()
    const msg = parseMessage(
      invite().toString().replace('INVITE sip', 'MESSAGE sip').replace('1 INVITE', '1 MESSAGE')
    ) as SipRequest
    const call: { memento?: MementoCall } = {}
    noteMementoSide(call, msg, ALICE, true, d.clock.now())
    expect(call.memento).toBeUndefined()
  })

  it('a BYE with a forged dialog token writes nothing', async () => {
    const { d, list } = deps()
    const forged = await sealDialogToken('another-secret-0123456789abcdef', {
      startMs: 1,
      users: [BOB],
    })
    const rr = parseMessage(
      `BYE ${BOB} SIP/2.0\r\nVia: SIP/2.0/WSS c;branch=z9hG4bK3\r\nRoute: <sip:${HOST};lr;mem=${forged}>\r\nFrom: <${ALICE}>;tag=a\r\nTo: <${BOB}>;tag=b\r\nCall-ID: x\r\nCSeq: 2 BYE\r\nContent-Length: 0\r\n\r\n`
    ) as SipRequest
    await recordEnd(d, rr, [rr.get('route')!])
    expect(await list(BOB)).toEqual([])
  })

  it('the dialog token opens only with its key and unaltered', async () => {
    const token = await sealDialogToken(SECRET, { startMs: 42, users: [ALICE, BOB] })
    expect(await openDialogToken(SECRET, token)).toEqual({ startMs: 42, users: [ALICE, BOB] })
    expect(await openDialogToken('x'.repeat(32), token)).toBeUndefined()
    const [payload, mac] = token.split('.')
    expect(await openDialogToken(SECRET, `${payload}A.${mac}`)).toBeUndefined()
    expect(await openDialogToken(SECRET, 'garbage')).toBeUndefined()
  })

  it('notifies MEMENTO_NOTIFY_URL with the IMPU, signed, after each write', async () => {
    const { d, list, posts } = deps({ notify: 'https://notify.example.net/call-lists' })
    const call: { memento?: MementoCall } = {}
    noteMementoSide(call, invite(), ALICE, true, d.clock.now())
    recordOutcome(d, invite(), call.memento!, 480)
    await list(ALICE)
    expect(posts).toHaveLength(1)
    expect(posts[0]!.url).toBe('https://notify.example.net/call-lists')
    expect(posts[0]!.init.method).toBe('POST')
    expect(JSON.parse(String(posts[0]!.init.body))).toEqual({ impu: ALICE })
    const headers = new Headers(posts[0]!.init.headers)
    expect(headers.get('x-edgewater-signature')).toBeTruthy()
  })

  it('sends no notification when MEMENTO_NOTIFY_URL is not set', async () => {
    const { d, list, posts } = deps()
    const call: { memento?: MementoCall } = {}
    noteMementoSide(call, invite(), ALICE, true, d.clock.now())
    recordOutcome(d, invite(), call.memento!, 480)
    await list(ALICE)
    expect(posts).toEqual([])
  })
})
