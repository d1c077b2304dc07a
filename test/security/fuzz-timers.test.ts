/**
 * Issue 14 fuzz evidence for the timers function (Chronos API, the Scheduler's pop delivery and
 * the operations routes), called on region a's timers port as the trusted zone calls it (signed;
 * a few unsigned or forged). A seeded few hundred well-formed requests with mutated bodies,
 * headers, methods and paths (test/support/fuzz.ts): every answer must arrive, be below 500 and,
 * when a 4xx, carry a reason. Afterwards a new timer can still be set, and a victim timer set
 * before the run pops exactly once with its own body.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { signRequest } from '../../shared/hop/signature'
import { CallbackServer } from '../contracts/cloud-harness'
import { endpoints, eventually } from '../support/cloud'
import { describeFailures, fuzzRequest, fuzzRuns, fuzzSeed, runFuzz } from '../support/fuzz'

const RUNS = fuzzRuns(400)

let server: CallbackServer
beforeAll(async () => {
  server = await new CallbackServer(endpoints().hopSecret).start()
})
afterAll(() => server.close())

async function signed(method: string, path: string, body?: unknown): Promise<Response> {
  const url = `${endpoints().functions.a.timers}${path}`
  const text = body === undefined ? undefined : JSON.stringify(body)
  const headers = { 'content-type': 'application/json' }
  return fetch(url, {
    method,
    headers: {
      ...headers,
      ...(await signRequest(endpoints().hopSecret, method, url, text ?? null, { headers })),
    },
    ...(text !== undefined ? { body: text } : {}),
  })
}

const chronos = (uri: string, interval: number, opaque: string) => ({
  timing: { interval, 'repeat-for': interval },
  callback: { http: { uri, opaque } },
  reliability: { 'replication-factor': 2 },
})

describe('fuzz: timers (Chronos)', () => {
  it('answers mutated requests with 4xx and a reason, never 5xx or a hang', async () => {
    const victimOpaque = `{"aor_id":"sip:victim-${Date.now()}@example.com"}`
    const victim = await signed('POST', '/timers', chronos(server.uri('victim'), 20, victimOpaque))
    expect(victim.status).toBe(200)
    const id = '0123456789abcdef-2'
    const sink = `${endpoints().functions.a.timers}/fuzz-callback`
    const report = await runFuzz({
      api: 'Chronos (timers)',
      base: endpoints().functions.a.timers,
      arb: fuzzRequest(
        [
          {
            name: 'POST timer (long tier)',
            method: 'POST',
            segments: ['timers'],
            body: { kind: 'json', value: chronos(sink, 90, '{"x":1}') },
          },
          {
            name: 'POST timer (one pop)',
            method: 'POST',
            segments: ['timers'],
            body: {
              kind: 'json',
              value: { timing: { interval: 600 }, callback: { http: { uri: sink, opaque: '' } } },
            },
          },
          {
            name: 'POST timer (precise tier)',
            method: 'POST',
            segments: ['timers'],
            body: { kind: 'json', value: chronos(sink, 5, 'opaque') },
          },
          {
            name: 'PUT timer',
            method: 'PUT',
            segments: ['timers', id],
            body: { kind: 'json', value: chronos(sink, 120, '') },
          },
          { name: 'DELETE timer', method: 'DELETE', segments: ['timers', id] },
          {
            name: 'Scheduler pop',
            method: 'POST',
            segments: ['scheduler', 'fire'],
            body: {
              kind: 'json',
              value: { kind: 'edgewater-timer-pop', id, generation: 1, seq: 0 },
            },
          },
          {
            name: 'KV resync',
            method: 'POST',
            segments: ['admin', 'resync'],
            body: { kind: 'json', value: { from: 'a', to: 'b', match: 'fuzz:*' } },
          },
          { name: 'KV stats', method: 'GET', segments: ['admin', 'kv-stats'] },
        ],
        { signed: true }
      ),
      runs: RUNS,
      seed: fuzzSeed(),
      secret: endpoints().hopSecret,
    })
    expect(report.ran).toBe(RUNS)
    expect(report.failures, describeFailures(report.failures)).toEqual([])

    // Still serving, and the victim's timer pops once with its own body.
    const after = await signed('POST', '/timers', chronos(sink, 90, ''))
    expect(after.status).toBe(200)
    expect((await signed('DELETE', after.headers.get('location') ?? '/timers/x')).status).toBe(200)
    await eventually(async () => server.for('victim').length > 0, 60_000)
    await server.settle(1_000, 5_000)
    expect(server.for('victim').map((c) => c.opaque)).toEqual([victimOpaque])
    // The fuzzed timer's callback goes nowhere: delete it, so its pops do not fail and retry
    // through the later suites (their counting windows see every Scheduler invocation).
    expect((await signed('DELETE', `/timers/${id}`)).status).toBe(200)
  }, 120_000)
})
