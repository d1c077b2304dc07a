/**
 * The precise tier's shard object (timer-shard.ts) against a fake Durable Object runtime: one
 * storage write per command and no read, the alarm kept at the earliest due time, late
 * generations ignored, pops delivered with their sequence numbers, and the timers held in storage
 * taken up again by a new instance of the object.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'

vi.mock('cloudflare:workers', () => ({
  DurableObject: class {
    constructor(
      readonly ctx: unknown,
      readonly env: unknown
    ) {}
  },
}))

const { TimerShard } = await import('./timer-shard')

/** Storage and alarm of one object, counting each kind of call. */
class FakeStorage {
  readonly items = new Map<string, unknown>()
  alarm: number | null = null
  readonly calls: Record<string, number> = {}
  private count(op: string) {
    this.calls[op] = (this.calls[op] ?? 0) + 1
  }
  async list<T>(o: { prefix: string }): Promise<Map<string, T>> {
    this.count('list')
    const out = new Map<string, T>()
    for (const [k, v] of [...this.items].sort(([a], [b]) => a.localeCompare(b)))
      if (k.startsWith(o.prefix)) out.set(k, structuredClone(v) as T)
    return out
  }
  async get<T>(k: string): Promise<T | undefined> {
    this.count('get')
    return structuredClone(this.items.get(k)) as T | undefined
  }
  async put(k: string, v: unknown): Promise<void> {
    this.count('put')
    this.items.set(k, structuredClone(v))
  }
  async delete(k: string | string[]): Promise<void> {
    this.count('delete')
    for (const x of Array.isArray(k) ? k : [k]) this.items.delete(x)
  }
  async getAlarm(): Promise<number | null> {
    this.count('getAlarm')
    return this.alarm
  }
  async setAlarm(at: number): Promise<void> {
    this.count('setAlarm')
    this.alarm = at
  }
  async deleteAlarm(): Promise<void> {
    this.count('deleteAlarm')
    this.alarm = null
  }
  resetCalls() {
    for (const k of Object.keys(this.calls)) delete this.calls[k]
  }
}

const env = {
  FUNCTION_URLS: JSON.stringify({
    a: { sprout: 'http://sprout-a.test', dime: 'http://dime-a.test' },
    b: { sprout: 'http://sprout-b.test', dime: 'http://dime-b.test' },
  }),
  HOP_SECRET: 'test-secret',
}

async function shardOn(storage: FakeStorage) {
  let ready: Promise<unknown> = Promise.resolve()
  const ctx = {
    storage,
    blockConcurrencyWhile: (f: () => Promise<unknown>) => {
      ready = f()
      return ready
    },
  }
  const shard = new TimerShard(ctx as never, env as never)
  await ready
  return shard
}

const ID = '0123456789abcdef-2'
const ID2 = 'fedcba9876543210-2'
const CALLBACK = 'http://sprout-a.test/routing/timer'

const set = (id: string, intervalMs: number, generation: number, repeatForMs = intervalMs) => ({
  op: 'set',
  id,
  generation,
  intervalMs,
  repeatForMs,
  callbackUri: CALLBACK,
  opaque: `{"id":"${id}"}`,
})

const command = async (shard: InstanceType<typeof TimerShard>, body: unknown) =>
  (
    await shard.fetch(
      new Request('https://timer-shard/timers-01', { method: 'POST', body: JSON.stringify(body) })
    )
  ).json() as Promise<Record<string, unknown>>

const NOW = 1_800_000_000_000
let pops: Array<{ url: string; seq: string | null; body: string }>
let answer: number

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] })
  vi.setSystemTime(NOW)
  pops = []
  answer = 200
  vi.stubGlobal('fetch', async (input: RequestInfo | URL, init?: RequestInit) => {
    const req = new Request(input, init)
    pops.push({ url: req.url, seq: req.headers.get('x-sequence-number'), body: await req.text() })
    return new Response(null, { status: answer })
  })
})
afterEach(() => {
  vi.unstubAllGlobals()
  vi.useRealTimers()
})

describe('TimerShard', () => {
  it('costs one storage write per set or delete, and moves the alarm only for the earliest', async () => {
    const storage = new FakeStorage()
    const shard = await shardOn(storage)
    storage.resetCalls()
    await command(shard, set(ID, 181_000, 1))
    expect(storage.alarm).toBe(NOW + 181_000)
    await command(shard, set(ID2, 300_000, 1))
    expect(storage.alarm).toBe(NOW + 181_000)
    // Replacing the earliest timer by a later one moves the alarm to the next earliest.
    await command(shard, set(ID, 600_000, 2))
    expect(storage.alarm).toBe(NOW + 300_000)
    await command(shard, { op: 'delete', id: ID2 })
    expect(storage.alarm).toBe(NOW + 600_000)
    await command(shard, { op: 'delete', id: ID })
    expect(storage.alarm).toBeNull()
    expect(storage.items.size).toBe(0)
    expect(storage.calls).toEqual({ put: 3, delete: 2, setAlarm: 3, deleteAlarm: 1 })
  })

  it('ignores a command about an older generation than the one held', async () => {
    const storage = new FakeStorage()
    const shard = await shardOn(storage)
    await command(shard, set(ID, 1_000, 5))
    expect(await command(shard, { op: 'delete', id: ID, generation: 5 })).toMatchObject({
      ignored: 'a newer generation is held',
    })
    expect(await command(shard, set(ID, 9_000, 4))).toMatchObject({
      ignored: 'a newer generation is held',
    })
    expect(storage.alarm).toBe(NOW + 1_000)
    await command(shard, { op: 'delete', id: ID, generation: 6 })
    expect(storage.alarm).toBeNull()
  })

  it('rejects a body that is not a command', async () => {
    const shard = await shardOn(new FakeStorage())
    const res = await shard.fetch(
      new Request('https://timer-shard/timers-01', { method: 'POST', body: '{"op":"set"}' })
    )
    expect(res.status).toBe(400)
  })

  it('pops a repeating timer with its sequence numbers, then forgets it', async () => {
    const storage = new FakeStorage()
    const shard = await shardOn(storage)
    await command(shard, set(ID, 1_000, 1, 2_000))
    vi.setSystemTime(NOW + 1_000)
    await shard.alarm()
    expect(storage.alarm).toBe(NOW + 2_000)
    vi.setSystemTime(NOW + 2_000)
    await shard.alarm()
    expect(pops.map((p) => [p.url, p.seq, p.body])).toEqual([
      [CALLBACK, '0', `{"id":"${ID}"}`],
      [CALLBACK, '1', `{"id":"${ID}"}`],
    ])
    expect(storage.alarm).toBeNull()
    expect(storage.items.size).toBe(0)
  })

  it('retries a failed pop once, 2 s later', async () => {
    const storage = new FakeStorage()
    const shard = await shardOn(storage)
    await command(shard, set(ID, 1_000, 1))
    answer = 503
    vi.setSystemTime(NOW + 1_000)
    await shard.alarm()
    expect(storage.alarm).toBe(NOW + 3_000)
    vi.setSystemTime(NOW + 3_000)
    await shard.alarm()
    expect(pops).toHaveLength(2)
    expect(storage.alarm).toBeNull()
  })

  it('a new instance takes up the timers its storage holds', async () => {
    const storage = new FakeStorage()
    const first = await shardOn(storage)
    await command(first, set(ID, 5_000, 1))
    await command(first, set(ID2, 7_000, 1))
    const second = await shardOn(storage)
    const size = (await (
      await second.fetch(new Request('https://timer-shard/timers-01'))
    ).json()) as { timers: number }
    expect(size.timers).toBe(2)
    await command(second, { op: 'delete', id: ID })
    expect(storage.alarm).toBe(NOW + 7_000)
    vi.setSystemTime(NOW + 7_000)
    await second.alarm()
    expect(pops.map((p) => p.body)).toEqual([`{"id":"${ID2}"}`])
  })
})
