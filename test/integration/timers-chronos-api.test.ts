/**
 * The timers function's Chronos API over HTTP (clearwater-interfaces §4.1, §12.5) and its
 * Scheduler pop route: statuses, Location, validation reasons, the trusted zone, a full long-tier
 * pop on the driven clock, and the at-most-one-effect guarantees of the pop record — a duplicate
 * pop, the same pop racing in one region, a stale generation, and a failed callback handed to
 * the backup region. The pop record's claim is exact within a region; across regions the backup
 * fires a Scheduler window after the primary, long after the global table has replicated the
 * primary's records (docs/geo-redundancy.md "Timer pops"), so a pop in the other region is fired
 * here once replication has caught up (`waitForReplication`).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Region } from '../../shared/config/regions'
import { signRequest } from '../../shared/hop/signature'
import { timerDefinitionKey } from '../../shared/vellum/keys'
import { definitionItem } from '../../shared/vellum/timer-definition'
import { newTimerId } from '../../shared/vellum/timer-service'
import { CallbackServer, CloudClock, table } from '../contracts/cloud-harness'
import { endpoints } from '../support/cloud'
import { waitForReplication } from '../support/replication'

let server: CallbackServer
let clock: CloudClock
beforeAll(async () => {
  server = await new CallbackServer(endpoints().hopSecret).start()
  clock = await new CloudClock(endpoints().control).sync()
})
afterAll(() => server.close())

const timersUrl = (r: Region, path: string) => `${endpoints().functions[r].timers}${path}`

async function call(r: Region, method: string, path: string, body?: unknown, sign = true) {
  const url = timersUrl(r, path)
  const text =
    body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body)
  const headers: Record<string, string> = { 'content-type': 'application/json' }
  if (sign)
    Object.assign(headers, await signRequest(endpoints().hopSecret, method, url, text ?? null))
  return fetch(url, { method, headers, ...(text !== undefined ? { body: text } : {}) })
}

const chronosBody = (tag: string, interval: number, extra: Record<string, unknown> = {}) => ({
  timing: { interval, 'repeat-for': interval, ...extra },
  callback: { http: { uri: server.uri(tag), opaque: `{"aor_id":"sip:${tag}@example.com"}` } },
  reliability: { 'replication-factor': 2 },
})

async function passMinutes(n: number) {
  for (let i = 0; i < n; i++) {
    await clock.advance(60_000)
    await server.settle(500, 8_000)
  }
}

describe('Chronos API on the timers function', () => {
  it('refuses unsigned requests with 401', async () => {
    const res = await call('a', 'POST', '/timers', chronosBody('unsigned', 90), false)
    expect(res.status).toBe(401)
  })

  it('POST creates with a server-chosen id: 200 and Location /timers/<16 hex>-<rf>', async () => {
    const res = await call('a', 'POST', '/timers', chronosBody('post', 90))
    expect(res.status).toBe(200)
    expect(res.headers.get('location')).toMatch(/^\/timers\/[0-9a-f]{16}-2$/)
    const del = await call('a', 'DELETE', res.headers.get('location')!)
    expect(del.status).toBe(200)
    expect((await call('a', 'DELETE', res.headers.get('location')!)).status).toBe(200)
  })

  it('answers 400 naming the field for a bad body', async () => {
    const noInterval = await call('a', 'POST', '/timers', {
      timing: {},
      callback: { http: { uri: 'http://x/', opaque: '' } },
    })
    expect(noInterval.status).toBe(400)
    expect(await noInterval.text()).toMatch(/timing\.interval/)
    const badUri = await call('a', 'POST', '/timers', {
      ...chronosBody('x', 90),
      callback: { http: { uri: 'mailto:x', opaque: '' } },
    })
    expect(badUri.status).toBe(400)
    expect(await badUri.text()).toMatch(/callback\.http\.uri/)
    const notJson = await call('a', 'POST', '/timers', '{nope')
    expect(notJson.status).toBe(400)
    expect(await notJson.text()).toMatch(/not JSON/)
  })

  it('404 for a malformed id, 405 for POST to an id and PUT/DELETE to the collection', async () => {
    expect((await call('a', 'PUT', '/timers/xyz', chronosBody('x', 90))).status).toBe(404)
    expect((await call('a', 'DELETE', '/timers/0123')).status).toBe(404)
    expect(
      (await call('a', 'POST', '/timers/0123456789abcdef-2', chronosBody('x', 90))).status
    ).toBe(405)
    expect((await call('a', 'PUT', '/timers', chronosBody('x', 90))).status).toBe(405)
    expect((await call('a', 'DELETE', '/timers')).status).toBe(405)
  })

  it('sends sub-minute timers to the precise tier: a 1.5 s timer pops in real time, repeating', async () => {
    const res = await call(
      'b',
      'POST',
      '/timers',
      chronosBody('precise', 0.5, { 'repeat-for': 1.5 })
    )
    expect(res.status).toBe(200)
    await new Promise((r) => setTimeout(r, 1_900))
    await server.settle(200, 3_000)
    const got = server.for('precise')
    expect(got.map((g) => g.seq)).toEqual([0, 1, 2])
    expect(got.every((g) => g.signed)).toBe(true)
  })

  it('pops a 90 s timer once, signed, with the opaque body and X-Sequence-Number 0', async () => {
    const id = `${Date.now().toString(16).padStart(16, '0').slice(-16)}-2`
    const res = await call('a', 'PUT', `/timers/${id}`, chronosBody('ninety', 90))
    expect(res.status).toBe(200)
    expect(res.headers.get('location')).toBe(`/timers/${id}`)
    await passMinutes(1)
    expect(server.for('ninety')).toHaveLength(0)
    await passMinutes(2) // past the due time and the backup's margin
    const got = server.for('ninety')
    expect(got).toHaveLength(1)
    expect(got[0]).toMatchObject({
      seq: 0,
      signed: true,
      opaque: '{"aor_id":"sip:ninety@example.com"}',
    })
  })
})

describe('a pop happens once across both regions', () => {
  /** A long-tier timer whose first pop is already due, with no schedules: pops are fired by hand. */
  async function armed(tag: string) {
    const id = newTimerId()
    const def = {
      id,
      generation: Date.now() * 1000,
      startMs: clock.now() - 601_000,
      intervalMs: 600_000,
      repeatForMs: 600_000,
      callbackUri: server.uri(tag),
      opaque: `{"aor_id":"sip:${tag}@example.com"}`,
      tier: 'scheduler' as const,
      region: 'a',
    }
    await table(endpoints(), clock).put(definitionItem(def))
    return { kind: 'edgewater-timer-pop', id, generation: def.generation, seq: 0 }
  }

  it('a duplicate pop does nothing', async () => {
    const input = await armed('dup')
    const first = await call('a', 'POST', '/scheduler/fire', input)
    expect(first.status).toBe(200)
    expect(await first.json()).toMatchObject({ status: 'delivered' })
    await waitForReplication()
    for (const r of ['a', 'b'] as const) {
      const again = await call(r, 'POST', '/scheduler/fire', input)
      expect(again.status).toBe(200)
      expect(await again.json()).toMatchObject({ status: 'duplicate' })
    }
    expect(server.for('dup')).toHaveLength(1)
  })

  it('the same pop fired twice at once in one region reaches the consumer once', async () => {
    const input = await armed('race')
    const results = await Promise.all([
      call('a', 'POST', '/scheduler/fire', input),
      call('a', 'POST', '/scheduler/fire', input),
    ])
    const outcomes = await Promise.all(results.map((r) => r.json() as Promise<{ status: string }>))
    expect(outcomes.filter((o) => o.status === 'delivered')).toHaveLength(1)
    expect(server.for('race')).toHaveLength(1)
    // The loser saw a live claim (503, retried later) or the finished record.
    const loser = outcomes.find((o) => o.status !== 'delivered')!
    expect(['in-progress', 'duplicate']).toContain(loser.status)
    // The other region's backup, once the primary's record has replicated, has no effect.
    await waitForReplication()
    const backup = await call('b', 'POST', '/scheduler/fire', input)
    expect(await backup.json()).toMatchObject({ status: 'duplicate' })
    expect(server.for('race')).toHaveLength(1)
  })

  it('a pop of a superseded generation is dropped', async () => {
    const input = await armed('stale')
    await call('a', 'PUT', `/timers/${input.id}`, chronosBody('stale', 600))
    await waitForReplication()
    const res = await call('b', 'POST', '/scheduler/fire', input)
    expect(await res.json()).toMatchObject({ status: 'stale' })
    expect(server.for('stale')).toHaveLength(0)
  })

  it('a failed callback is released so the other region delivers it', async () => {
    const input = await armed('retry')
    server.failNext('retry', 1)
    const first = await call('a', 'POST', '/scheduler/fire', input)
    expect(await first.json()).toMatchObject({ status: 'callback-failed' })
    await waitForReplication()
    const backup = await call('b', 'POST', '/scheduler/fire', input)
    expect(await backup.json()).toMatchObject({ status: 'delivered' })
    expect(server.for('retry').map((r) => r.seq)).toEqual([0, 0])
    await waitForReplication()
    const third = await call('a', 'POST', '/scheduler/fire', input)
    expect(await third.json()).toMatchObject({ status: 'duplicate' })
  })

  it('an early pop (Scheduler spread) is handed to the precise tier and delivered at its due time', async () => {
    const tag = `early-${Date.now()}`
    const res = await call('a', 'POST', '/timers', chronosBody(tag, 61))
    const id = res.headers.get('location')!.slice('/timers/'.length)
    const def = await table(endpoints(), clock).get(timerDefinitionKey(id), { consistent: true })
    const input = { kind: 'edgewater-timer-pop', id, generation: def!.generation as number, seq: 0 }
    await clock.advance(59_000)
    const due = (def!.startMs as number) + 61_000 - (clock.now() - Date.now())
    const early = await call('a', 'POST', '/scheduler/fire', input)
    const outcome = (await early.json()) as { status: string; dueInMs: number }
    expect(outcome.status).toBe('handed-off')
    expect(outcome.dueInMs).toBeGreaterThan(1_000)
    expect(outcome.dueInMs).toBeLessThan(2_100)
    expect(server.for(tag)).toHaveLength(0)
    await new Promise((r) => setTimeout(r, outcome.dueInMs + 800))
    await server.settle(500, 5_000)
    // The primary schedule itself fired at the due time too: still one delivery, on time.
    const got = server.for(tag)
    expect(got).toHaveLength(1)
    expect(got[0]!.at - due).toBeGreaterThanOrEqual(-5)
    expect(got[0]!.at - due).toBeLessThan(500)
    await waitForReplication()
    const again = await call('b', 'POST', '/scheduler/fire', input)
    expect(await again.json()).toMatchObject({ status: 'duplicate' })
  })

  it('refuses a body that is not a pop input', async () => {
    expect((await call('a', 'POST', '/scheduler/fire', { hello: 1 })).status).toBe(400)
  })
})
