/**
 * @module scheduler-wire
 * The restJson1 details of the local EventBridge Scheduler (scheduler-fake.ts): its error type
 * (`x-amzn-errortype` + `{"Message"}`), the operation a request stands for, the JSON body, and
 * the one-time `at(yyyy-mm-ddThh:mm:ss)` expression it fires.
 */
import type http from 'node:http'
import { readBody } from './switchable-server'

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string
  ) {
    super(message)
  }
}

const AT_RE = /^at\((\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\)$/

/** Epoch ms of an `at()` expression (UTC); ValidationException for anything else. */
export function parseAtExpression(expr: string): number {
  const at = AT_RE.exec(expr)
  if (!at) {
    throw new ApiError(
      400,
      'ValidationException',
      `Unsupported ScheduleExpression ${expr}: the local Scheduler fires one-time at(yyyy-mm-ddThh:mm:ss) schedules only`
    )
  }
  const [, y, mo, d, h, mi, se] = at.map(Number) as number[]
  return Date.UTC(y!, mo! - 1, d!, h!, mi!, se!)
}

/** The Scheduler API operation a restJson1 request stands for. */
export function operationOf(method: string, pathParts: number): string {
  if (pathParts === 1) return method === 'GET' ? 'ListSchedules' : `${method} /schedules`
  const ops: Record<string, string> = {
    POST: 'CreateSchedule',
    PUT: 'UpdateSchedule',
    GET: 'GetSchedule',
    DELETE: 'DeleteSchedule',
  }
  return ops[method] ?? `${method} /schedules/{name}`
}

export async function readJson(req: http.IncomingMessage): Promise<Record<string, unknown>> {
  const raw = (await readBody(req)).toString('utf8')
  if (!raw) return {}
  try {
    const v = JSON.parse(raw)
    if (typeof v === 'object' && v && !Array.isArray(v)) return v as Record<string, unknown>
  } catch {
    // fall through
  }
  throw new ApiError(400, 'ValidationException', 'Request body is not a JSON object')
}
