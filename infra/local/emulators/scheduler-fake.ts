/**
 * @module scheduler-fake
 * A local EventBridge Scheduler speaking the restJson1 wire protocol of
 * `@aws-sdk/client-scheduler` (CreateSchedule, GetSchedule, UpdateSchedule, DeleteSchedule,
 * ListSchedules; errors as `x-amzn-errortype` + `{"Message"}`), environment-notes §5.
 *
 * It fires one-time `at(yyyy-mm-ddThh:mm:ss)` schedules (UTC) by POSTing the target's `Input`
 * to the local URL its ARN maps to, retries failed invocations within the RetryPolicy, and
 * deletes the schedule afterwards when `ActionAfterCompletion` is `DELETE`. With `spread` on it
 * models the real service's 60-second precision: a schedule fires at a uniformly random moment
 * within the minute of its `at()` time. Time comes from the injectable {@link LocalClock}.
 * `rate()` and `cron()` expressions are stored but refused with ValidationException, because the
 * local cloud has no use for recurring schedules and firing them wrongly would mislead.
 */
import type http from 'node:http'
import { Tally, view } from '../counters'
import type { LocalClock } from './local-clock'
import { ApiError, operationOf, parseAtExpression, readJson } from './scheduler-wire'
import { SwitchableServer, sendJson } from './switchable-server'

export interface SchedulerFakeOptions {
  name: string
  region: string
  accountId?: string
  clock: LocalClock
  /** Maps a target ARN to the local URL that stands in for it; undefined → invocation fails. */
  resolveTarget: (arn: string) => string | undefined
  /** Adds headers to an invocation (the local cloud signs it for the trusted zone). */
  signInvocation?: (url: string, body: string) => Promise<Record<string, string>>
  /** Models the 60 s firing spread; can be switched at run time. */
  spread?: boolean
  random?: () => number
  log?: (line: string) => void
  /**
   * While it returns true for a request (an API call signed by the other region's functions) or
   * a target ARN (the other region's timers function), the path is cut: the call's connection is
   * reset, the invocation fails as a transport error and is retried by the retry policy.
   */
  isCut?: {
    caller: (req: http.IncomingMessage) => boolean
    target: (arn: string) => boolean
  }
}

interface Schedule {
  Name: string
  GroupName: string
  Arn: string
  ScheduleExpression: string
  ScheduleExpressionTimezone?: string
  FlexibleTimeWindow: { Mode: string; MaximumWindowInMinutes?: number }
  Target: {
    Arn: string
    RoleArn: string
    Input?: string
    RetryPolicy?: { MaximumEventAgeInSeconds?: number; MaximumRetryAttempts?: number }
  }
  ActionAfterCompletion: string
  State: string
  Description?: string
  CreationDate: number
  LastModificationDate: number
  /** When it is due (ms on the local clock), after the spread model. */
  dueAt: number
  attempts: number
  firstAttemptAt?: number
  done: boolean
}

/** One invocation made by the fake, kept for tests and diagnostics. */
export interface Invocation {
  name: string
  group: string
  targetArn: string
  scheduledFor: number
  firedAt: number
  ok: boolean
  status?: number
}

export class SchedulerFake {
  readonly http: SwitchableServer
  readonly invocations: Invocation[] = []
  /** API calls by operation (CreateSchedule, …) and invocations fired, since the last reset. */
  readonly api = new Tally()
  fired = 0
  spread: boolean
  /** Invocations sent and not yet answered. */
  private inFlight = 0
  private readonly schedules = new Map<string, Schedule>()
  private timer: NodeJS.Timeout | undefined
  /** Due time the timer is armed for (infinity: not armed). */
  private armedAt = Number.POSITIVE_INFINITY
  private readonly random: () => number

  constructor(private readonly opts: SchedulerFakeOptions) {
    this.http = new SwitchableServer(opts.name, (req, res) => this.handle(req, res))
    this.spread = opts.spread ?? false
    this.random = opts.random ?? Math.random
    opts.clock.onAdvance(() => this.arm())
  }

  get size(): number {
    return this.schedules.size
  }

  /**
   * Resolves true once nothing is due and unfired and no invocation awaits its answer (retries
   * scheduled for later do not count), or false after `maxMs`. The control API's settling clock
   * advance uses it, so a driven-clock test sees each minute's pops finish before the next.
   */
  async idle(maxMs: number): Promise<boolean> {
    const end = Date.now() + maxMs
    for (;;) {
      const now = this.opts.clock.now()
      let due = false
      for (const s of this.schedules.values())
        if (!s.done && s.State === 'ENABLED' && s.dueAt <= now) due = true
      if (this.inFlight === 0 && !due) return true
      if (Date.now() >= end) return false
      await new Promise((r) => setTimeout(r, 20))
    }
  }

  resetCounters(): void {
    this.api.reset()
    this.fired = 0
  }

  counters() {
    return { api: view(this.api), fired: this.fired }
  }

  private key(group: string, name: string): string {
    return `${group}/${name}`
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://scheduler.local')
    if (this.opts.isCut?.caller(req)) return void req.socket.destroy()
    try {
      const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent)
      if (parts[0] !== 'schedules')
        throw new ApiError(404, 'ResourceNotFoundException', 'Unknown operation')
      this.api.add(operationOf(req.method ?? 'GET', parts.length))
      if (parts.length === 1 && req.method === 'GET') return sendJson(res, 200, this.list(url))
      const name = parts[1]
      if (parts.length !== 2 || !name)
        throw new ApiError(404, 'ResourceNotFoundException', 'Unknown operation')
      const body = req.method === 'POST' || req.method === 'PUT' ? await readJson(req) : {}
      switch (req.method) {
        case 'POST':
          return sendJson(res, 200, this.create(name, body, false))
        case 'PUT':
          return sendJson(res, 200, this.create(name, body, true))
        case 'GET':
          return sendJson(
            res,
            200,
            this.describe(this.find(name, url.searchParams.get('groupName')))
          )
        case 'DELETE': {
          const s = this.find(name, url.searchParams.get('groupName'))
          this.schedules.delete(this.key(s.GroupName, s.Name))
          return sendJson(res, 200, {})
        }
        default:
          throw new ApiError(405, 'ValidationException', `Method ${req.method} not allowed`)
      }
    } catch (err) {
      const e =
        err instanceof ApiError ? err : new ApiError(500, 'InternalServerException', String(err))
      sendJson(res, e.status, { Message: e.message }, { 'x-amzn-errortype': e.type })
    }
  }

  private find(name: string, group: string | null): Schedule {
    const s = this.schedules.get(this.key(group || 'default', name))
    if (!s) throw new ApiError(404, 'ResourceNotFoundException', `Schedule ${name} does not exist.`)
    return s
  }

  private create(
    name: string,
    body: Record<string, unknown>,
    update: boolean
  ): { ScheduleArn: string } {
    if (!/^[0-9a-zA-Z-_.]{1,64}$/.test(name)) {
      throw new ApiError(400, 'ValidationException', `Invalid schedule name: ${name}`)
    }
    const group = typeof body.GroupName === 'string' && body.GroupName ? body.GroupName : 'default'
    const key = this.key(group, name)
    const existing = this.schedules.get(key)
    if (!update && existing)
      throw new ApiError(409, 'ConflictException', `Schedule ${name} already exists.`)
    if (update && !existing)
      throw new ApiError(404, 'ResourceNotFoundException', `Schedule ${name} does not exist.`)
    const expr = body.ScheduleExpression
    if (typeof expr !== 'string')
      throw new ApiError(400, 'ValidationException', 'ScheduleExpression is required')
    const ftw = body.FlexibleTimeWindow as Schedule['FlexibleTimeWindow'] | undefined
    if (!ftw || (ftw.Mode !== 'OFF' && ftw.Mode !== 'FLEXIBLE')) {
      throw new ApiError(
        400,
        'ValidationException',
        'FlexibleTimeWindow.Mode must be OFF or FLEXIBLE'
      )
    }
    const target = body.Target as Schedule['Target'] | undefined
    if (!target || typeof target.Arn !== 'string' || typeof target.RoleArn !== 'string') {
      throw new ApiError(400, 'ValidationException', 'Target.Arn and Target.RoleArn are required')
    }
    const tz = body.ScheduleExpressionTimezone
    if (tz !== undefined && tz !== 'UTC' && tz !== 'Etc/UTC') {
      throw new ApiError(
        400,
        'ValidationException',
        'The local Scheduler supports only UTC at() expressions'
      )
    }
    const atMs = parseAtExpression(expr)
    // EventBridge Scheduler invokes with 60-second precision: anywhere within the minute.
    const dueAt = this.spread
      ? Math.floor(atMs / 60_000) * 60_000 + Math.floor(this.random() * 60_000)
      : atMs
    const now = Math.floor(this.opts.clock.now() / 1000)
    const acct = this.opts.accountId ?? '000000000000'
    const s: Schedule = {
      Name: name,
      GroupName: group,
      Arn: `arn:aws:scheduler:${this.opts.region}:${acct}:schedule/${group}/${name}`,
      ScheduleExpression: expr,
      ...(typeof tz === 'string' ? { ScheduleExpressionTimezone: tz } : {}),
      FlexibleTimeWindow: ftw,
      Target: target,
      ActionAfterCompletion: body.ActionAfterCompletion === 'DELETE' ? 'DELETE' : 'NONE',
      State: body.State === 'DISABLED' ? 'DISABLED' : 'ENABLED',
      ...(typeof body.Description === 'string' ? { Description: body.Description } : {}),
      CreationDate: existing?.CreationDate ?? now,
      LastModificationDate: now,
      dueAt,
      attempts: 0,
      done: false,
    }
    this.schedules.set(key, s)
    this.armFor(s)
    return { ScheduleArn: s.Arn }
  }

  private describe(s: Schedule): Record<string, unknown> {
    const { dueAt: _d, attempts: _a, firstAttemptAt: _f, done: _x, ...wire } = s
    return wire
  }

  private list(url: URL): { Schedules: unknown[]; NextToken?: string } {
    const group = url.searchParams.get('ScheduleGroup')
    const prefix = url.searchParams.get('NamePrefix') ?? ''
    const state = url.searchParams.get('State')
    const max = Math.min(Number(url.searchParams.get('MaxResults') ?? 100) || 100, 100)
    const start = Number(url.searchParams.get('NextToken') ?? 0) || 0
    const all = [...this.schedules.values()]
      .filter(
        (s) =>
          (!group || s.GroupName === group) &&
          s.Name.startsWith(prefix) &&
          (!state || s.State === state)
      )
      .sort((a, b) => a.Name.localeCompare(b.Name))
    const page = all.slice(start, start + max).map((s) => ({
      Arn: s.Arn,
      Name: s.Name,
      GroupName: s.GroupName,
      State: s.State,
      CreationDate: s.CreationDate,
      LastModificationDate: s.LastModificationDate,
      Target: { Arn: s.Target.Arn },
    }))
    return start + max < all.length
      ? { Schedules: page, NextToken: String(start + max) }
      : { Schedules: page }
  }

  /** (Re)arms the single wake-up timer for the earliest due schedule (a scan of them all). */
  private arm(): void {
    let next = Number.POSITIVE_INFINITY
    for (const s of this.schedules.values())
      if (!s.done && s.State === 'ENABLED') next = Math.min(next, s.dueAt)
    this.armAt(next)
  }

  /**
   * Arms for one new or changed schedule without a scan: only when it is due before the timer
   * already armed. A deleted or replaced schedule leaves the timer as it is; when it wakes up
   * with nothing due it scans and re-arms.
   */
  private armFor(s: Schedule): void {
    if (s.State === 'ENABLED' && s.dueAt < this.armedAt) this.armAt(s.dueAt)
  }

  private armAt(next: number): void {
    if (this.timer) clearTimeout(this.timer)
    this.timer = undefined
    this.armedAt = next
    if (next === Number.POSITIVE_INFINITY) return
    const delay = Math.max(0, Math.min(next - this.opts.clock.now(), 2_147_000_000))
    this.timer = setTimeout(() => void this.fireDue(), delay)
    this.timer.unref()
  }

  private async fireDue(): Promise<void> {
    const now = this.opts.clock.now()
    const due = [...this.schedules.values()].filter(
      (s) => !s.done && s.State === 'ENABLED' && s.dueAt <= now
    )
    for (const s of due) s.done = true // in flight; a retry re-opens it
    this.arm()
    if (!this.http.isUp) {
      // A region that is down fires nothing; its schedules wait until it is back.
      for (const s of due) s.done = false
      if (this.timer) clearTimeout(this.timer)
      this.armedAt = this.opts.clock.now() + 500
      this.timer = setTimeout(() => this.arm(), 500)
      this.timer.unref()
      return
    }
    await Promise.all(due.map((s) => this.invoke(s)))
  }

  private async invoke(s: Schedule): Promise<void> {
    this.inFlight++
    try {
      await this.invokeOnce(s)
    } finally {
      this.inFlight--
    }
  }

  private async invokeOnce(s: Schedule): Promise<void> {
    const now = this.opts.clock.now()
    s.attempts++
    this.fired++
    s.firstAttemptAt ??= now
    const url = this.opts.resolveTarget(s.Target.Arn)
    const body = s.Target.Input ?? '{}'
    let ok = false
    let status: number | undefined
    if (url && !this.opts.isCut?.target(s.Target.Arn)) {
      try {
        const headers = {
          'content-type': 'application/json',
          'x-edgewater-schedule-arn': s.Arn,
          ...(await this.opts.signInvocation?.(url, body)),
        }
        const res = await fetch(url, {
          method: 'POST',
          headers,
          body,
          signal: AbortSignal.timeout(10_000),
        })
        status = res.status
        await res.arrayBuffer()
        ok = res.ok
      } catch {
        ok = false
      }
    }
    this.invocations.push({
      name: s.Name,
      group: s.GroupName,
      targetArn: s.Target.Arn,
      scheduledFor: s.dueAt,
      firedAt: now,
      ok,
      ...(status !== undefined ? { status } : {}),
    })
    if (this.invocations.length > 10_000) this.invocations.splice(0, 5_000)
    this.opts.log?.(
      `fired ${s.GroupName}/${s.Name} → ${url ?? '(no target)'}: ${ok ? 'ok' : `failed ${status ?? 'transport'}`}`
    )
    const retry = s.Target.RetryPolicy ?? {}
    const maxAttempts = 1 + (retry.MaximumRetryAttempts ?? 185)
    const maxAgeMs = (retry.MaximumEventAgeInSeconds ?? 86_400) * 1000
    if (!ok && s.attempts < maxAttempts && now - (s.firstAttemptAt ?? now) < maxAgeMs) {
      // Retry with a short back-off (the real service backs off over minutes; locally seconds).
      s.dueAt = this.opts.clock.now() + Math.min(1000 * 2 ** (s.attempts - 1), 30_000)
      s.done = false
      this.armFor(s)
      return
    }
    if (s.ActionAfterCompletion === 'DELETE') this.schedules.delete(this.key(s.GroupName, s.Name))
  }

  close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer)
    return this.http.close()
  }
}
