/**
 * The built-in MMTEL services with real sip.js clients through the local cloud
 * (clearwater-interfaces §5.9, §10 tests 11, 14, 18–28), settings written to Homer: outgoing and
 * incoming barring (603), communication diversion on every condition (181 to the caller, then the
 * target rings), the no-reply timer, a bad target, media conditions, and identity restriction.
 */
import { afterEach, describe, expect, it } from 'vitest'
import {
  AUDIO_SDP,
  established,
  newLine,
  Phone,
  terminated,
  until,
  VIDEO_SDP,
} from './calls-support'

const NS =
  'xmlns="http://uri.etsi.org/ngn/params/xml/simservs/xcap" xmlns:cp="urn:ietf:params:xml:ns:common-policy"'
const simservs = (body: string) =>
  `<?xml version="1.0" encoding="UTF-8"?><simservs ${NS}>${body}</simservs>`
const rule = (id: string, cond: string, actions: string) =>
  `<cp:rule id="${id}"><cp:conditions>${cond}</cp:conditions><cp:actions>${actions}</cp:actions></cp:rule>`
const fwd = (t: string) => `<forward-to><target>${t}</target></forward-to>`
const cdiv = (rules: string, timer = 20) =>
  simservs(
    `<communication-diversion active="true"><NoReplyTimer>${timer}</NoReplyTimer><cp:ruleset>${rules}</cp:ruleset></communication-diversion>`
  )
const barAll = (service: 'incoming' | 'outgoing') =>
  simservs(
    `<${service}-communication-barring active="true"><cp:ruleset>${rule('r', '', '<allow>false</allow>')}</cp:ruleset></${service}-communication-barring>`
  )

const phones: Phone[] = []
afterEach(async () => {
  await Promise.all(phones.splice(0).map((p) => p.stop()))
})
async function phone(...args: Parameters<typeof Phone.start>) {
  const p = await Phone.start(...args)
  phones.push(p)
  return p
}
const distinct = (xs: number[]) => xs.filter((x, i) => i === 0 || xs[i - 1] !== x)

describe('call barring (tests 11, 14)', () => {
  it('declines with 603 when the caller bars outgoing calls', async () => {
    const [la, lb] = await Promise.all([newLine({ simservs: barAll('outgoing') }), newLine()])
    const [a, b] = await Promise.all([phone(la), phone(lb)])
    const call = a.call(lb.impu)
    expect((await call.final).status).toBe(603)
    expect(call.statuses()).toEqual([100, 603])
    expect(b.incoming).toHaveLength(0)
  })

  it('bars international numbers only, with the international condition (tests 12, 13)', async () => {
    const intl = simservs(
      `<outgoing-communication-barring active="true"><cp:ruleset>${rule('r', '<international/>', '<allow>false</allow>')}</cp:ruleset></outgoing-communication-barring>`
    )
    const [la, lb] = await Promise.all([newLine({ simservs: intl }), newLine()])
    const [a, b] = await Promise.all([phone(la), phone(lb)])
    const abroad = a.call(`sip:011447854481549@${la.impu.split('@')[1]}`)
    expect((await abroad.final).status).toBe(603)
    const home = a.call(lb.impu)
    const inc = await b.nextCall()
    await inc.answer()
    expect((await home.final).status).toBe(200)
    await home.bye()
  })

  it('declines with 603 when the callee bars incoming calls', async () => {
    const [la, lb] = await Promise.all([newLine(), newLine({ simservs: barAll('incoming') })])
    const [a, b] = await Promise.all([phone(la), phone(lb)])
    const call = a.call(lb.impu)
    expect((await call.final).status).toBe(603)
    expect(b.incoming).toHaveLength(0)
  })
})

describe('communication diversion (tests 18–28)', () => {
  /** Caller A, callee B (with `rules`), target C registered; returns the three phones. */
  async function setup(
    rules: (c: string) => string,
    opts: { registerB?: boolean; timer?: number; sdpA?: string } = {}
  ) {
    const lc = await newLine()
    const [la, lb] = await Promise.all([
      newLine(),
      newLine({ simservs: cdiv(rules(lc.impu), opts.timer) }),
    ])
    const [a, c] = await Promise.all([phone(la, { sdp: opts.sdpA ?? AUDIO_SDP }), phone(lc)])
    const b = opts.registerB === false ? undefined : await phone(lb)
    return { a, b, c, lb, lc }
  }
  async function answeredByC(call: ReturnType<Phone['call']>, c: Phone) {
    const inc = await c.nextCall()
    const ringing = call.statuses().filter((s) => s === 180).length
    await inc.ring()
    // C answers once its 180 has reached the caller: these tests assert what diversion sends,
    // and a 180 and a 200 sent back to back may still arrive in either order across the
    // internal hop (docs/internal-hop.md; in-order delivery per flow is separate work).
    await until(
      () => call.statuses().filter((s) => s === 180).length > ringing,
      10_000,
      "the target's 180 at the caller"
    )
    await inc.answer()
    expect((await call.final).status).toBe(200)
    await established(call.inviter)
    return inc
  }

  it('diverts an unregistered callee (not-registered): 100, 181, 180, 200 from the target', async () => {
    const { a, c, lb, lc } = await setup((t) => rule('nr', '<not-registered/>', fwd(t)), {
      registerB: false,
    })
    const call = a.call(lb.impu)
    const inc = await answeredByC(call, c)
    expect(distinct(call.statuses())).toEqual([100, 181, 180, 200])
    expect(inc.header('Diversion')).toBe(`<${lb.impu}>;reason=unavailable;counter=1`)
    expect(inc.header('History-Info')).toContain('index=1.1')
    expect(inc.header('P-Called-Party-ID')).toBe(`<${lc.impu}>`)
    await call.bye()
  })

  it('diverts with not-registered + not-reachable rules when the callee is unregistered', async () => {
    const { a, c, lb } = await setup(
      (t) => rule('nr', '<not-registered/>', fwd(t)) + rule('n', '<not-reachable/>', fwd(t)),
      {
        registerB: false,
      }
    )
    const call = a.call(lb.impu)
    await answeredByC(call, c)
    await call.bye()
  })

  for (const status of [408, 503, 500, 486]) {
    it(`diverts when the callee answers ${status} without ringing`, async () => {
      const { a, b, c, lb } = await setup((t) =>
        rule('x', status === 486 ? '<busy/>' : '<not-reachable/>', fwd(t))
      )
      const call = a.call(lb.impu)
      const incB = await b!.nextCall()
      await incB.reject(status)
      await answeredByC(call, c)
      expect(call.statuses()).toContain(181)
      expect(call.statuses()).not.toContain(status)
      await call.bye()
    })
  }

  it('diverts unconditionally: the target rings, the callee never does', async () => {
    const { a, b, c, lb } = await setup((t) => rule('u', '', fwd(t)))
    const call = a.call(lb.impu)
    await answeredByC(call, c)
    expect(b!.incoming).toHaveLength(0)
    await call.bye()
  })

  it('diverts a 408 after ringing as no-answer: 180, 181, 180, 200', async () => {
    const { a, b, c, lb } = await setup((t) => rule('na', '<no-answer/>', fwd(t)))
    const call = a.call(lb.impu)
    const incB = await b!.nextCall()
    await incB.ring()
    await call.waitFor(180)
    await incB.reject(408)
    await answeredByC(call, c)
    expect(distinct(call.statuses().filter((s) => s !== 100))).toEqual([180, 181, 180, 200])
    await call.bye()
  })

  it('diverts when the no-reply timer fires, cancelling the ringing callee', async () => {
    const { a, b, c, lb } = await setup((t) => rule('na', '<no-answer/>', fwd(t)), { timer: 5 })
    const call = a.call(lb.impu)
    const incB = await b!.nextCall()
    await incB.ring()
    const started = Date.now()
    const incC = await c.nextCall(15_000)
    // The precise timer tier fired the 5 s NoReplyTimer.
    expect(Date.now() - started).toBeGreaterThanOrEqual(4_500)
    await until(() => incB.cancelled, 5_000, 'the callee was cancelled')
    await incC.answer()
    expect((await call.final).status).toBe(200)
    await call.bye()
  }, 30_000)

  it('answers 480 when the target is not a URI (test 26)', async () => {
    const lb = await newLine({ simservs: cdiv(rule('nr', '<not-registered/>', fwd('12345'))) })
    const la = await newLine()
    const a = await phone(la)
    const call = a.call(lb.impu)
    expect((await call.final).status).toBe(480)
  })

  it('diverts by media: audio-only and audio-video calls go to different targets (tests 27, 28)', async () => {
    const [lc2, lc3] = await Promise.all([newLine(), newLine()])
    const rules =
      rule('av', '<media>audio</media><media>video</media>', fwd(lc2.impu)) +
      rule('a', '<media>audio</media>', fwd(lc3.impu))
    const [la, lb] = await Promise.all([newLine(), newLine({ simservs: cdiv(rules) })])
    const [c2, c3] = await Promise.all([phone(lc2), phone(lc3)])
    const audio = await phone(la, { sdp: AUDIO_SDP })
    const c1 = audio.call(lb.impu)
    const i3 = await c3.nextCall()
    await i3.answer()
    expect((await c1.final).status).toBe(200)
    expect(c2.incoming).toHaveLength(0)
    await c1.bye()
    const video = await phone(la, { sdp: VIDEO_SDP })
    const c4 = video.call(lb.impu)
    const i2 = await c2.nextCall()
    await i2.answer()
    expect((await c4.final).status).toBe(200)
    await c4.bye()
    await terminated(i2.invitation)
  })
})

describe('Call-Diversion AS with the rule in its URI (tests 15–17)', () => {
  const cdivAs = (target: string, conditions?: string) =>
    `sip:communication-diversion.example.com;target=${target.replace('@', '%40')}${conditions ? `;conditions=${conditions}` : ''};no-reply-timer=20`
  async function setup(conditions?: string) {
    const lc = await newLine()
    const [la, lb] = await Promise.all([
      newLine(),
      newLine({
        ifcs: [
          {
            server: cdivAs(lc.impu, conditions),
            conditions: [{ method: 'INVITE' }, { sessionCase: 1 }],
          },
        ],
      }),
    ])
    const [a, b, c] = await Promise.all([phone(la), phone(lb), phone(lc)])
    return { a, b, c, lb }
  }

  it('diverts unconditionally: 100, 181, 180, 200 and the callee never rings', async () => {
    const { a, b, c, lb } = await setup()
    const call = a.call(lb.impu)
    const inc = await c.nextCall()
    await inc.ring()
    await inc.answer()
    expect((await call.final).status).toBe(200)
    expect(distinct(call.statuses())).toEqual([100, 181, 180, 200])
    expect(b.incoming).toHaveLength(0)
    await call.bye()
  })

  it('diverts on busy', async () => {
    const { a, b, c, lb } = await setup('busy')
    const call = a.call(lb.impu)
    await (await b.nextCall()).reject(486)
    const inc = await c.nextCall()
    await inc.answer()
    expect((await call.final).status).toBe(200)
    await call.bye()
  })

  it('diverts on no-answer when the callee rang and then timed out', async () => {
    const { a, b, c, lb } = await setup('no-answer')
    const call = a.call(lb.impu)
    const incB = await b.nextCall()
    await incB.ring()
    await incB.reject(408)
    const inc = await c.nextCall()
    await inc.answer()
    expect((await call.final).status).toBe(200)
    expect(call.statuses()).toContain(181)
    await call.bye()
  })
})

describe('identity restriction (OIR and privacy)', () => {
  it('hides the caller from the callee when presentation is restricted', async () => {
    const oir = simservs(
      '<originating-identity-presentation-restriction active="true"><default-behaviour>presentation-restricted</default-behaviour></originating-identity-presentation-restriction>'
    )
    const [la, lb] = await Promise.all([newLine({ simservs: oir }), newLine()])
    const [a, b] = await Promise.all([phone(la), phone(lb)])
    const call = a.call(lb.impu)
    const inc = await b.nextCall()
    expect(inc.header('From')).toMatch(/^"Anonymous" <sip:anonymous@anonymous\.invalid>;tag=/)
    expect(inc.header('P-Asserted-Identity')).toBeUndefined()
    await inc.answer()
    expect((await call.final).status).toBe(200)
    await call.bye()
  })
})
