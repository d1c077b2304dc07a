/**
 * `edgewater trace` and `edgewater traces` (docs/operations.md#traces) against the local cloud:
 * a flagged subscriber's call drawn as a text ladder (and as JSON), found by IMPU in the last
 * hour, and the one-sentence errors for an unknown call and bad usage. The commands run in
 * process through `runCli`.
 */
import { afterAll, describe, expect, it } from 'vitest'
import type { CallTrace } from '../../cli/commands/trace-api'
import { runCli } from '../../cli/main'
import { callIdOf, newLine, Phone } from '../interop/calls-support'
import { endpoints } from '../support/cloud'
import { onNetCall } from '../support/on-net-call'
import { flag, traceOf, unflagAll } from './trace-support'

async function cli(...argv: string[]) {
  const out: string[] = []
  const err: string[] = []
  const code = await runCli(argv, {
    env: { EDGEWATER_CONTROL_URL: endpoints().control },
    out: (l) => out.push(l),
    err: (l) => err.push(l),
  })
  return { code, out, err }
}

const phones: Phone[] = []
afterAll(async () => {
  await Promise.all(phones.splice(0).map((p) => p.stop()))
  await unflagAll()
})

describe('edgewater trace / traces', () => {
  it('draws a traced call as a text ladder and finds it by IMPU', async () => {
    const [la, lb] = await Promise.all([newLine(), newLine()])
    await flag(lb.impu)
    const [a, b] = await Promise.all([Phone.start(la), Phone.start(lb)])
    phones.push(a, b)
    const call = await onNetCall(a, b, lb.impu)
    const callId = callIdOf(call)
    const landed = await traceOf(callId, (t) =>
      t.records.some((r) => r.method === 'BYE' && r.status === 200 && r.to === `ua:${la.impu}`)
    )
    expect(landed).toBeDefined()

    const text = await cli('trace', callId)
    expect(text.code).toBe(0)
    expect(text.out[0]).toMatch(new RegExp(`^call ${callId}  trace [0-9a-f]{32}  \\d+ messages$`))
    const header = text.out[2]!
    for (const col of [`UA ${la.impu}`, 'Edge', 'Sprout a', `UA ${lb.impu}`])
      expect(header).toContain(col)
    const arrows = text.out.slice(3)
    expect(arrows).toHaveLength(landed!.records.length)
    // The caller's INVITE to the edge first, pointing right; the callee's 180 back, pointing left.
    expect(arrows[0]).toMatch(/\|--INVITE-*>\|\s.*\+0 ms$/)
    expect(arrows.some((l) => /\|<-180 Ringing-*\|/.test(l))).toBe(true)
    expect(arrows.filter((l) => l.includes('BYE'))).toHaveLength(4)

    const withMessages = await cli('trace', callId, '--messages')
    expect(withMessages.out.join('\n')).toContain(`#1 ua:${la.impu} -> edge`)
    expect(withMessages.out.join('\n')).toMatch(/\n {2}INVITE sip:/)

    const asJson = await cli('trace', callId, '--json')
    const parsed = JSON.parse(asJson.out.join('\n')) as CallTrace
    expect(parsed.callId).toBe(callId)
    expect(parsed.ladder.arrows).toHaveLength(parsed.records.length)

    // The window is wide: earlier files advance the cloud's shared clock (Ellis reads it), while
    // the edge stamps its records with the real time, so after an hour of advances a 1h window
    // would end before the edge's records.
    for (const impu of [la.impu, lb.impu]) {
      const found = await cli('traces', '--impu', impu, '--since', '2d')
      expect(found.code).toBe(0)
      expect(found.out[0]).toMatch(
        new RegExp(`traced calls? of ${impu.replace(/[.]/g, '\\.')} in the last 2d:$`)
      )
      expect(found.out.join('\n')).toContain(callId)
    }
    const json = await cli('traces', '--impu', la.impu, '--since', '2d', '--json')
    expect(
      (JSON.parse(json.out.join('\n')) as { calls: Array<{ callId: string }> }).calls.map(
        (c) => c.callId
      )
    ).toContain(callId)
  })

  it('says in one sentence what is wrong', async () => {
    const missing = await cli('trace', `no-such-call-${Date.now()}`)
    expect(missing.code).toBe(1)
    expect(missing.err).toEqual([
      expect.stringMatching(
        /^edgewater trace: no trace of call no-such-call-\d+ \(not traced, or expired\)\.$/
      ),
    ])
    expect((await cli('trace')).code).toBe(2)
    const noImpu = await cli('traces')
    expect(noImpu).toMatchObject({
      code: 2,
      err: [expect.stringMatching(/--impu <uri> is needed/)],
    })
    const badSince = await cli('traces', '--impu', 'sip:a@example.com', '--since', 'yesterday')
    expect(badSince).toMatchObject({
      code: 2,
      err: [expect.stringMatching(/--since takes a duration/)],
    })
    const badImpu = await cli('traces', '--impu', 'alice')
    expect(badImpu).toMatchObject({
      code: 1,
      err: [expect.stringMatching(/answered 400: impu: an IMPU such as/)],
    })
    const none = await cli('traces', '--impu', `sip:nobody-${Date.now()}@example.com`)
    expect(none.code).toBe(0)
    expect(none.out[0]).toMatch(/^no traced calls of sip:nobody-\d+@example\.com in the last 1h\.$/)
  })
})
