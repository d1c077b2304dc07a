import http from 'node:http'
import {
  CreateScheduleCommand,
  DeleteScheduleCommand,
  GetScheduleCommand,
  ListSchedulesCommand,
  ResourceNotFoundException,
  SchedulerClient,
  UpdateScheduleCommand,
} from '@aws-sdk/client-scheduler'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LocalClock } from './local-clock'
import { SchedulerFake } from './scheduler-fake'

const credentials = { accessKeyId: 'x', secretAccessKey: 'x' }
const at = (ms: number) => `at(${new Date(ms).toISOString().slice(0, 19)})`
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe('SchedulerFake', () => {
  const clock = new LocalClock()
  let target: http.Server
  let failNext = 0
  let delayMs = 0
  const hits: string[] = []
  let fake: SchedulerFake
  let client: SchedulerClient

  beforeAll(async () => {
    target = http.createServer((req, res) => {
      let b = ''
      req.on('data', (d) => (b += d))
      req.on('end', () => {
        if (failNext > 0) {
          failNext--
          res.writeHead(500).end()
          return
        }
        setTimeout(() => {
          hits.push(b)
          res.end('{}')
        }, delayMs)
      })
    })
    await new Promise<void>((r) => target.listen(0, '127.0.0.1', () => r()))
    const url = `http://127.0.0.1:${(target.address() as { port: number }).port}/`
    let n = 0
    fake = new SchedulerFake({
      name: 'scheduler-test',
      region: 'local-a',
      clock,
      resolveTarget: (arn) => (arn === 'arn:t' ? url : undefined),
      random: () => [0.25, 0.75][n++ % 2]!,
    })
    const port = await fake.http.listen(0)
    client = new SchedulerClient({
      endpoint: `http://127.0.0.1:${port}`,
      region: 'local-a',
      credentials,
    })
  })
  afterAll(async () => {
    await fake.close()
    target.close()
  })

  const create = (name: string, whenMs: number, extra: Record<string, unknown> = {}) =>
    client.send(
      new CreateScheduleCommand({
        Name: name,
        ScheduleExpression: at(whenMs),
        FlexibleTimeWindow: { Mode: 'OFF' },
        Target: { Arn: 'arn:t', RoleArn: 'arn:r', Input: name },
        ...extra,
      })
    )

  it('fires a schedule created later but due sooner first, and the earlier-armed one after', async () => {
    const now = clock.now()
    await create('late', now + 3_000)
    // Due in real time a moment from now: the fake must re-arm for it, not wait for 'late'.
    await create('soon', now + 1_000)
    await wait(1_600)
    expect(hits).toContain('soon')
    expect(hits).not.toContain('late')
    clock.advance(3_000)
    await wait(200)
    expect(hits).toContain('late')
  })

  it('is idle only once what fell due has fired and every invocation was answered', async () => {
    expect(await fake.idle(0)).toBe(true)
    await create('slow', clock.now() + 5_000)
    expect(await fake.idle(0)).toBe(true) // not due yet
    delayMs = 400
    try {
      clock.advance(6_000)
      expect(await fake.idle(100)).toBe(false) // fired, the answer still pending
      expect(hits).not.toContain('slow')
      expect(await fake.idle(5_000)).toBe(true)
      expect(hits).toContain('slow')
    } finally {
      delayMs = 0
    }
  })

  it('keeps a schedule with ActionAfterCompletion NONE after it fires', async () => {
    await create('keep', clock.now() + 5_000)
    clock.advance(6_000)
    await wait(200)
    expect(hits).toContain('keep')
    const got = await client.send(new GetScheduleCommand({ Name: 'keep' }))
    expect(got.ActionAfterCompletion).toBe('NONE')
    await client.send(new DeleteScheduleCommand({ Name: 'keep' }))
    await expect(client.send(new DeleteScheduleCommand({ Name: 'keep' }))).rejects.toBeInstanceOf(
      ResourceNotFoundException
    )
  })

  it('retries a failed invocation and then deletes the schedule', async () => {
    failNext = 2
    await create('retry', clock.now() + 1_000, { ActionAfterCompletion: 'DELETE' })
    clock.advance(2_000)
    await wait(200)
    expect(hits).not.toContain('retry')
    clock.advance(1_000) // first back-off: 1 s
    await wait(200)
    clock.advance(2_000) // second: 2 s
    await wait(200)
    expect(hits.filter((h) => h === 'retry')).toHaveLength(1)
    const attempts = fake.invocations.filter((i) => i.name === 'retry')
    expect(attempts.map((i) => i.ok)).toEqual([false, false, true])
    await expect(client.send(new GetScheduleCommand({ Name: 'retry' }))).rejects.toBeInstanceOf(
      ResourceNotFoundException
    )
  })

  it('models the 60 s spread: fires within the minute of the at() time, not on it', async () => {
    fake.spread = true
    try {
      const minute = Math.ceil((clock.now() + 120_000) / 60_000) * 60_000
      await create('spread-1', minute + 10_000)
      await create('spread-2', minute + 10_000)
      const dues = fake.invocations.length
      clock.advance(minute + 59_999 - clock.now())
      await wait(200)
      const fired = fake.invocations.slice(dues).filter((i) => i.name.startsWith('spread-'))
      expect(fired.map((i) => i.scheduledFor - minute).sort((a, b) => a - b)).toEqual([
        15_000, 45_000,
      ])
    } finally {
      fake.spread = false
    }
  })

  it('updates an existing schedule and lists with pagination', async () => {
    const far = clock.now() + 3_600_000
    for (const n of ['p-1', 'p-2', 'p-3']) await create(n, far)
    await client.send(
      new UpdateScheduleCommand({
        Name: 'p-2',
        ScheduleExpression: at(far + 60_000),
        FlexibleTimeWindow: { Mode: 'OFF' },
        Target: { Arn: 'arn:t', RoleArn: 'arn:r' },
      })
    )
    expect((await client.send(new GetScheduleCommand({ Name: 'p-2' }))).ScheduleExpression).toBe(
      at(far + 60_000)
    )
    const page1 = await client.send(new ListSchedulesCommand({ NamePrefix: 'p-', MaxResults: 2 }))
    expect(page1.Schedules?.map((s) => s.Name)).toEqual(['p-1', 'p-2'])
    const page2 = await client.send(
      new ListSchedulesCommand({ NamePrefix: 'p-', MaxResults: 2, NextToken: page1.NextToken })
    )
    expect(page2.Schedules?.map((s) => s.Name)).toEqual(['p-3'])
    expect(page2.NextToken).toBeUndefined()
  })

  it('fires nothing while down and catches up when back', async () => {
    fake.http.setUp(false)
    await wait(10)
    fake.http.setUp(true)
    // Create while up, then take the server down before the time comes.
    await create('outage', clock.now() + 1_000)
    fake.http.setUp(false)
    clock.advance(2_000)
    await wait(200)
    expect(hits).not.toContain('outage')
    fake.http.setUp(true)
    await wait(800)
    expect(hits).toContain('outage')
  })
})
