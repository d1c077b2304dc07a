import type { CreateScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler'
import { describe, expect, it } from 'vitest'
import { RoundTrips } from './round-trips'
import { createPopSchedule, type ScheduleTarget } from './timer-schedules'

function target(deadLetterArn?: string) {
  const sent: CreateScheduleCommand[] = []
  const client = {
    send: async (c: CreateScheduleCommand) => {
      sent.push(c)
      return {}
    },
  } as unknown as SchedulerClient
  const t: ScheduleTarget = {
    client,
    kind: 'scheduler-local',
    targetArn: 'arn:aws:lambda:eu-west-1:1:function:edgewater-timers-a',
    ...(deadLetterArn ? { deadLetterArn } : {}),
  }
  return { t, sent }
}

const input = {
  kind: 'edgewater-timer-pop',
  id: '0123456789abcdef-x',
  generation: 1,
  seq: 0,
} as const
const settings = { group: 'edgewater-timers', roleArn: 'arn:aws:iam::1:role/s' }

describe('createPopSchedule', () => {
  it('names the target region’s dead-letter queue when the deployment has one', async () => {
    const dlq = 'arn:aws:sqs:eu-west-1:1:edgewater-scheduler-dlq-a'
    const { t, sent } = target(dlq)
    await createPopSchedule(t, settings, input, 1_800_000_000_000, new RoundTrips())
    expect(sent[0]!.input.Target?.DeadLetterConfig).toEqual({ Arn: dlq })
  })

  it('names none without one (the local cloud)', async () => {
    const { t, sent } = target()
    await createPopSchedule(t, settings, input, 1_800_000_000_000, new RoundTrips())
    expect(sent[0]!.input.Target).not.toHaveProperty('DeadLetterConfig')
  })
})
