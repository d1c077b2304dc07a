/**
 * The local cloud's contract, driven through its real ports with the real SDKs: both edges'
 * health, the Upstash REST adapter through @upstash/redis, DynamoDB Local through
 * @aws-sdk/client-dynamodb, the fake Scheduler through @aws-sdk/client-scheduler with the
 * driven clock, and a region going down and coming back.
 */
import http from 'node:http'
import {
  ConditionalCheckFailedException,
  CreateTableCommand,
  DeleteTableCommand,
  DynamoDBClient,
  PutItemCommand,
  QueryCommand,
} from '@aws-sdk/client-dynamodb'
import {
  ConflictException,
  CreateScheduleCommand,
  DeleteScheduleCommand,
  GetScheduleCommand,
  ListSchedulesCommand,
  ResourceNotFoundException,
  SchedulerClient,
  ValidationException,
} from '@aws-sdk/client-scheduler'
import { Redis } from '@upstash/redis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  advanceClock,
  clockNow,
  endpoints,
  eventually,
  regionDown,
  regionUp,
} from '../support/cloud'
import { replicationState, waitForReplication } from '../support/replication'

const credentials = { accessKeyId: 'local', secretAccessKey: 'local' }
const kv = (r: 'a' | 'b') => {
  const e = endpoints().kv[r]
  return new Redis({ url: e.url, token: e.token, retry: false, enableTelemetry: false })
}

describe('edges', () => {
  it.each(['a', 'b'] as const)(
    'region %s edge /healthz is 200 with every function healthy',
    async (r) => {
      const res = await fetch(`${endpoints().edges[r]}/healthz`)
      expect(res.status).toBe(200)
      const body = (await res.json()) as {
        region: string
        functions: Record<string, { ok: boolean }>
      }
      expect(body.region).toBe(r)
      expect(Object.keys(body.functions).sort()).toEqual([
        'dime',
        'ellis',
        'homer',
        'sprout',
        'timers',
      ])
      expect(Object.values(body.functions).every((f) => f.ok)).toBe(true)
    }
  )
})

describe('Upstash REST adapter through @upstash/redis', () => {
  const redis = () => kv('a')

  it('sets and gets with a TTL, and JSON values round-trip', async () => {
    const r = redis()
    await r.set('t:ttl', { hello: 'wörld 🎉', n: 1 }, { ex: 60 })
    expect(await r.get('t:ttl')).toEqual({ hello: 'wörld 🎉', n: 1 })
    const ttl = await r.ttl('t:ttl')
    expect(ttl).toBeGreaterThan(55)
    expect(ttl).toBeLessThanOrEqual(60)
    expect(await r.set('t:ttl', 'x', { nx: true })).toBeNull()
  })

  it('does hash operations', async () => {
    const r = redis()
    await r.del('t:h')
    await r.hset('t:h', { a: '1', b: 'line\r\nbreak' })
    expect(await r.hget('t:h', 'b')).toBe('line\r\nbreak')
    expect(await r.hgetall('t:h')).toEqual({ a: 1, b: 'line\r\nbreak' })
    expect(await r.hdel('t:h', 'a')).toBe(1)
    expect(await r.hlen('t:h')).toBe(1)
  })

  it('runs a pipeline and a multi-exec transaction', async () => {
    const r = redis()
    const p = r.pipeline()
    p.set('t:p', 1)
    p.incr('t:p')
    p.get('t:p')
    expect(await p.exec()).toEqual(['OK', 2, 2])
    const tx = r.multi()
    tx.incr('t:p')
    tx.incrby('t:p', 10)
    expect(await tx.exec()).toEqual([3, 13])
  })

  it('auto-pipelines concurrent commands', async () => {
    const r = redis()
    const n = 50
    await Promise.all(Array.from({ length: n }, (_, i) => r.set(`t:ap:${i}`, i)))
    const got = await Promise.all(Array.from({ length: n }, (_, i) => r.get<number>(`t:ap:${i}`)))
    expect(got).toEqual(Array.from({ length: n }, (_, i) => i))
  })

  it('runs a Lua script (EVALSHA falling back to EVAL)', async () => {
    const r = redis()
    const script = r.createScript<number>(
      "local v = redis.call('INCRBY', KEYS[1], ARGV[1]); redis.call('EXPIRE', KEYS[1], 60); return v"
    )
    await r.del('t:lua')
    expect(await script.exec(['t:lua'], ['5'])).toBe(5)
    expect(await script.exec(['t:lua'], ['2'])).toBe(7)
  })

  it('passes Redis errors through as UpstashError', async () => {
    const r = redis()
    await r.set('t:str', 'x')
    await expect(r.incr('t:str')).rejects.toThrow(/not an integer/)
  })

  it('refuses a wrong token', async () => {
    const bad = new Redis({
      url: endpoints().kv.a.url,
      token: 'wrong',
      retry: false,
      enableTelemetry: false,
    })
    await expect(bad.ping()).rejects.toThrow(/Unauthorized/)
  })
})

describe('DynamoDB Local through @aws-sdk/client-dynamodb', () => {
  const client = (r: 'a' | 'b' = 'a') =>
    new DynamoDBClient({ endpoint: endpoints().tables[r], region: `local-${r}`, credentials })
  const table = `t-${Date.now()}`
  /**
   * The regions whose replica the scratch table is created in: both under `mrec` (the
   * replicator copies every written item to the other replica, so the table must exist there,
   * as a global table's does), one under `mrsc` (both endpoints are one instance).
   */
  let replicas: Array<'a' | 'b'> = ['a']

  beforeAll(async () => {
    if ((await replicationState()).mode === 'mrec') replicas = ['a', 'b']
    for (const r of replicas)
      await client(r).send(
        new CreateTableCommand({
          TableName: table,
          BillingMode: 'PAY_PER_REQUEST',
          AttributeDefinitions: [
            { AttributeName: 'pk', AttributeType: 'S' },
            { AttributeName: 'sk', AttributeType: 'S' },
          ],
          KeySchema: [
            { AttributeName: 'pk', KeyType: 'HASH' },
            { AttributeName: 'sk', KeyType: 'RANGE' },
          ],
        })
      )
  })
  afterAll(async () => {
    // Deleted once its items have been copied, so no copy is left waiting for it.
    await waitForReplication()
    for (const r of replicas) await client(r).send(new DeleteTableCommand({ TableName: table }))
  })

  it('puts, refuses a conditional duplicate, and queries', async () => {
    const c = client()
    const put = (sk: string) =>
      c.send(
        new PutItemCommand({
          TableName: table,
          Item: { pk: { S: 'impi#alice' }, sk: { S: sk }, v: { N: '1' } },
          ConditionExpression: 'attribute_not_exists(pk)',
        })
      )
    await put('a')
    await put('b')
    await expect(put('a')).rejects.toBeInstanceOf(ConditionalCheckFailedException)
    const q = await c.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: 'pk = :p',
        ExpressionAttributeValues: { ':p': { S: 'impi#alice' } },
      })
    )
    expect(q.Items?.map((i) => i.sk?.S)).toEqual(['a', 'b'])
  })

  it('has created the stack table', async () => {
    const q = await client().send(
      new QueryCommand({
        TableName: 'edgewater',
        KeyConditionExpression: 'pk = :p',
        ExpressionAttributeValues: { ':p': { S: 'nothing-here' } },
      })
    )
    expect(q.Count).toBe(0)
  })
})

describe('fake EventBridge Scheduler through @aws-sdk/client-scheduler', () => {
  let sink: http.Server
  const received: { body: string; headers: http.IncomingHttpHeaders }[] = []
  const arn = `arn:aws:lambda:local-a:000000000000:function:test-sink-${Date.now()}`

  beforeAll(async () => {
    sink = http.createServer((req, res) => {
      let body = ''
      req.on('data', (d) => (body += d))
      req.on('end', () => {
        received.push({ body, headers: req.headers })
        res.end('{}')
      })
    })
    await new Promise<void>((r) => sink.listen(0, '127.0.0.1', () => r()))
    const port = (sink.address() as { port: number }).port
    const res = await fetch(`${endpoints().control}/scheduler/targets`, {
      method: 'POST',
      body: JSON.stringify({ arn, url: `http://127.0.0.1:${port}/fire` }),
    })
    expect(res.status).toBe(200)
  })
  afterAll(() => new Promise<void>((r) => sink.close(() => r())))

  const scheduler = () =>
    new SchedulerClient({ endpoint: endpoints().scheduler.a, region: 'local-a', credentials })
  const atExpression = (ms: number) => `at(${new Date(ms).toISOString().slice(0, 19)})`

  it('fires at the scheduled time on the driven clock, delivers the input, then deletes the schedule', async () => {
    const s = scheduler()
    const name = `fire-${Date.now()}`
    const when = (await clockNow()) + 10 * 60_000
    await s.send(
      new CreateScheduleCommand({
        Name: name,
        GroupName: 'edgewater-timers',
        ScheduleExpression: atExpression(when),
        ScheduleExpressionTimezone: 'UTC',
        FlexibleTimeWindow: { Mode: 'OFF' },
        ActionAfterCompletion: 'DELETE',
        Target: {
          Arn: arn,
          RoleArn: 'arn:aws:iam::000000000000:role/x',
          Input: JSON.stringify({ name }),
        },
      })
    )
    const got = await s.send(new GetScheduleCommand({ Name: name, GroupName: 'edgewater-timers' }))
    expect(got.Target?.Input).toBe(JSON.stringify({ name }))
    const listed = await s.send(
      new ListSchedulesCommand({ GroupName: 'edgewater-timers', NamePrefix: name })
    )
    expect(listed.Schedules?.map((x) => x.Name)).toEqual([name])

    await new Promise((r) => setTimeout(r, 300))
    expect(received.some((r) => r.body.includes(name))).toBe(false)

    await advanceClock(10 * 60_000 + 1_000)
    const hit = await eventually(async () => received.find((r) => r.body.includes(name)))
    expect(JSON.parse(hit.body)).toEqual({ name })
    await eventually(async () => {
      try {
        await s.send(new GetScheduleCommand({ Name: name, GroupName: 'edgewater-timers' }))
        return false
      } catch (err) {
        return err instanceof ResourceNotFoundException
      }
    })
  })

  it('refuses a duplicate name with ConflictException and a bad expression with ValidationException', async () => {
    const s = scheduler()
    const input = {
      Name: `dup-${Date.now()}`,
      GroupName: 'edgewater-timers',
      ScheduleExpression: atExpression((await clockNow()) + 3_600_000),
      FlexibleTimeWindow: { Mode: 'OFF' as const },
      Target: { Arn: arn, RoleArn: 'arn:aws:iam::000000000000:role/x' },
    }
    await s.send(new CreateScheduleCommand(input))
    await expect(s.send(new CreateScheduleCommand(input))).rejects.toBeInstanceOf(ConflictException)
    // Its target does not answer: left, it would fail and retry through the later suites.
    await s.send(new DeleteScheduleCommand({ Name: input.Name, GroupName: input.GroupName }))
    await expect(
      s.send(
        new CreateScheduleCommand({
          ...input,
          Name: `bad-${Date.now()}`,
          ScheduleExpression: 'at(tomorrow)',
        })
      )
    ).rejects.toBeInstanceOf(ValidationException)
  })
})

describe('region down and up', () => {
  it('takes region a down (health fails, KV refuses) and brings it back', async () => {
    await regionDown('a')
    try {
      // The edge reuses one health check for HEALTH_CACHE_SECONDS (docs/edge.md), so the 503
      // follows within that period.
      await eventually(
        async () => (await fetch(`${endpoints().edges.a}/healthz`)).status === 503,
        15_000
      )
      const b = await fetch(`${endpoints().edges.b}/healthz`)
      expect(b.status).toBe(200)
      await expect(kv('a').ping()).rejects.toThrow()
      expect(await kv('b').ping()).toBe('PONG')
    } finally {
      await regionUp('a')
    }
    await eventually(async () => (await fetch(`${endpoints().edges.a}/healthz`)).status === 200)
    expect(await kv('a').ping()).toBe('PONG')
  })
})
