/**
 * Metrics against the local cloud (docs/operations.md#metrics): after a known sequence of
 * registrations, a failed authentication and a call, the control port's summed metrics
 * (`GET /metrics.json`, and the same numbers in `GET /metrics` as Prometheus text) changed by
 * exactly that much. Counters are cumulative per isolate, so each test compares the sums before
 * and after its sequence.
 */
import { afterAll, describe, expect, it } from 'vitest'
import { METRICS } from '../../shared/metrics/catalogue'
import { diffSnapshots, type MetricsSnapshot, total } from '../../shared/metrics/snapshot'
import { summarize } from '../../shared/metrics/summary'
import { newLine, Phone } from '../interop/calls-support'
import { endpoints } from '../support/cloud'
import { onNetCall } from '../support/on-net-call'
import { RawSipSocket } from '../support/sip-ua'
import {
  answerChallenge,
  rawRegister,
  rawRegisterFlow,
  statusOf,
  subscriber,
} from './registrar-helpers'

async function metricsJson(): Promise<MetricsSnapshot> {
  const r = await fetch(`${endpoints().control}/metrics.json`)
  expect(r.status).toBe(200)
  return (await r.json()) as MetricsSnapshot
}

/** A snapshot once two reads in a row agree on the counters a test looks at. */
async function settled(): Promise<MetricsSnapshot> {
  const key = (s: MetricsSnapshot) =>
    JSON.stringify(summarize(s), (k, v) => (k === 'flowsOpen' ? undefined : v))
  let last = await metricsJson()
  for (;;) {
    await new Promise((r) => setTimeout(r, 500))
    const now = await metricsJson()
    if (key(now) === key(last)) return now
    last = now
  }
}

const phones: Phone[] = []
afterAll(async () => {
  await Promise.all(phones.splice(0).map((p) => p.stop()))
})

describe('metrics on the control port', () => {
  it('counts initial, re- and de-registrations and a wrong password by reason', async () => {
    const sub = await subscriber('metrics')
    const before = await settled()
    const ws = await RawSipSocket.open(endpoints().sip.a)
    const callId = `metrics-${crypto.randomUUID()}`
    const contact = `<sip:m@metrics.invalid;transport=ws>;+sip.instance="<urn:uuid:${crypto.randomUUID()}>";reg-id=1`
    try {
      expect(statusOf((await rawRegisterFlow(ws, { sub, callId, cseq: 1, contact })).ok)).toBe(200)
      expect(statusOf((await rawRegisterFlow(ws, { sub, callId, cseq: 3, contact })).ok)).toBe(200)
      const challenge = await ws.request(rawRegister({ sub, callId, cseq: 5, contact }))
      const wrong = await ws.request(
        rawRegister({
          sub,
          callId,
          cseq: 6,
          contact,
          authorization: answerChallenge(challenge, sub, 1, 'not-the-password'),
        })
      )
      expect(statusOf(wrong)).toBe(403)
      const dereg = await rawRegisterFlow(ws, { sub, callId, cseq: 7, contact, expires: 0 })
      expect(statusOf(dereg.ok)).toBe(200)
    } finally {
      ws.close()
    }
    const d = diffSnapshots(before, await settled())
    expect(summarize(d).a?.registrations).toEqual({ initial: 1, reregister: 1, deregister: 1 })
    expect(total(d, METRICS.authFailures.name, { reason: 'wrong-response', region: 'a' })).toBe(1)
    expect(total(d, METRICS.registrations.name, { region: 'b' })).toBe(0)
  })

  it('counts an answered call by class with its setup time, and serves Prometheus text', async () => {
    const [la, lb] = await Promise.all([newLine(), newLine()])
    const [a, b] = await Promise.all([Phone.start(la), Phone.start(lb)])
    phones.push(a, b)
    const before = await settled()
    await onNetCall(a, b, lb.impu)
    const after = await settled()
    const s = summarize(diffSnapshots(before, after)).a
    expect(s?.invites).toEqual({ '2xx': 1 })
    expect(s?.setupMs.count).toBe(1)
    expect(s?.setupMs.p50).toBeGreaterThan(0)
    // The same totals in the exposition format, summed over both regions' components.
    const text = await (await fetch(`${endpoints().control}/metrics`)).text()
    const inText = [
      ...text.matchAll(/^edgewater_invite_outcomes_total\{[^}]*class="2xx"[^}]*\} (\d+)$/gm),
    ]
      .map((m) => Number(m[1]))
      .reduce((x, y) => x + y, 0)
    expect(inText).toBe(total(after, METRICS.inviteOutcomes.name, { class: '2xx' }))
    expect(text).toMatch(/^# TYPE edgewater_call_setup_ms histogram$/m)
    expect(text).toMatch(/^edgewater_scrape_up\{component="sprout",region="a"\} 1$/m)
  })

  it('serves the ops dashboard and its JSON only to an operator', async () => {
    const edge = endpoints().edges.a
    const refused = await fetch(`${edge}/ops/api/metrics`)
    expect(refused.status).toBe(403)
    const page = await fetch(`${edge}/ops/metrics`, { redirect: 'manual' })
    expect(page.status).toBe(303)
    expect(page.headers.get('location')).toBe('/ops')
    const res = await fetch(`${edge}/ops/api/metrics`, {
      headers: { 'NGV-API-Key': endpoints().ellisApiKey },
    })
    expect(res.status).toBe(200)
    const body = (await res.json()) as {
      regions: Record<string, { registrations: Record<string, number> }>
      up: Record<string, boolean>
    }
    expect(Object.keys(body.regions).sort()).toEqual(['a', 'b'])
    expect(body.regions.a?.registrations.initial).toBeGreaterThan(0)
    expect(body.up['sprout-a']).toBe(true)
  })
})
