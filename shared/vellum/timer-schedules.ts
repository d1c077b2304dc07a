/**
 * @module vellum/timer-schedules
 * The long tier's use of EventBridge Scheduler (`@aws-sdk/client-scheduler`): one one-time
 * `at()` schedule per pop per region, `ActionAfterCompletion: DELETE`, in the deployment's group,
 * targeting that region's timers function with the pop's identity as Input. The same name is
 * used in both regions' Schedulers, so re-creating a schedule that exists (a retried pop, the
 * backup region taking over) is a no-op ConflictException rather than a duplicate.
 */
import {
  ConflictException,
  CreateScheduleCommand,
  DeleteScheduleCommand,
  ResourceNotFoundException,
  type SchedulerClient,
} from '@aws-sdk/client-scheduler'
import { StoreError, Unavailable } from './errors'
import type { RoundTrips, StoreKind } from './round-trips'

/** What a schedule hands the pop handler (its Input). */
export interface PopInput {
  kind: 'edgewater-timer-pop'
  id: string
  generation: number
  seq: number
  /** Set when the precise tier hands back a pop this region claimed early (timer-pop.ts). */
  token?: string
}

export function isPopInput(v: unknown): v is PopInput {
  const o = v as Partial<PopInput> | null
  return (
    !!o &&
    o.kind === 'edgewater-timer-pop' &&
    typeof o.id === 'string' &&
    typeof o.generation === 'number' &&
    typeof o.seq === 'number' &&
    (o.token === undefined || typeof o.token === 'string')
  )
}

/** `<16hex>-<rf>-g<generation base36>-s<seq>`: ≤ 64 characters of [0-9a-zA-Z-_.]. */
export function scheduleName(id: string, generation: number, seq: number): string {
  return `${id}-g${generation.toString(36)}-s${seq}`
}

/** EventBridge `at()` in UTC, rounded up to the second (it cannot fire earlier than due). */
export function atExpression(ms: number): string {
  const d = new Date(Math.ceil(ms / 1000) * 1000)
  return `at(${d.toISOString().slice(0, 19)})`
}

export interface ScheduleTarget {
  client: SchedulerClient
  kind: Extract<StoreKind, 'scheduler-local' | 'scheduler-remote'>
  targetArn: string
  /** SQS queue in the target's region for pops the Scheduler could not deliver. */
  deadLetterArn?: string
}

export interface ScheduleSettings {
  group: string
  roleArn: string
}

export async function createPopSchedule(
  t: ScheduleTarget,
  s: ScheduleSettings,
  input: PopInput,
  atMs: number,
  rt: RoundTrips
): Promise<'created' | 'exists'> {
  try {
    await rt.track(t.kind, 'create-schedule', () =>
      t.client.send(
        new CreateScheduleCommand({
          Name: scheduleName(input.id, input.generation, input.seq),
          GroupName: s.group,
          ScheduleExpression: atExpression(atMs),
          ScheduleExpressionTimezone: 'UTC',
          FlexibleTimeWindow: { Mode: 'OFF' },
          ActionAfterCompletion: 'DELETE',
          Target: {
            Arn: t.targetArn,
            RoleArn: s.roleArn,
            Input: JSON.stringify(input),
            RetryPolicy: { MaximumRetryAttempts: 10, MaximumEventAgeInSeconds: 3_600 },
            ...(t.deadLetterArn ? { DeadLetterConfig: { Arn: t.deadLetterArn } } : {}),
          },
        })
      )
    )
    return 'created'
  } catch (err) {
    if (err instanceof ConflictException) return 'exists'
    throw schedulerError('create schedule', err)
  }
}

export async function deletePopSchedule(
  t: ScheduleTarget,
  s: ScheduleSettings,
  name: string,
  rt: RoundTrips
): Promise<void> {
  try {
    await rt.track(t.kind, 'delete-schedule', () =>
      t.client.send(new DeleteScheduleCommand({ Name: name, GroupName: s.group }))
    )
  } catch (err) {
    if (err instanceof ResourceNotFoundException) return
    throw schedulerError('delete schedule', err)
  }
}

function schedulerError(op: string, err: unknown): StoreError {
  const e = err as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } }
  const status = e.$metadata?.httpStatusCode
  if (status === undefined || status >= 500 || e.name === 'ThrottlingException')
    return new Unavailable(`${op}: Scheduler unavailable (${e.message ?? String(err)})`, 'timers', {
      cause: err,
    })
  return new StoreError(`${op}: ${e.name ?? 'error'}: ${e.message ?? String(err)}`, 'timers', {
    cause: err,
  })
}
