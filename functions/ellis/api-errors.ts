/**
 * @module ellis/api-errors
 * The one error vocabulary of the Ellis API and its body (clearwater-interfaces §1.2):
 * `{"error": true, "status": <code>, "message": "<HTTP reason>", "reason": "<text>",
 * "detail": {...}}`. Handlers throw {@link EllisError}; an upstream (Dime, Homer) failure is an
 * {@link UpstreamError}, answered 502 with `detail: {"Upstream error", "Upstream URL"}` plus
 * the upstream's own reason when it gave one, so a person reading the portal learns what Homer
 * or Homestead objected to. Stack traces never reach the client.
 */

export const REASON_PHRASES: Record<number, string> = {
  200: 'OK',
  201: 'Created',
  204: 'No Content',
  302: 'Found',
  304: 'Not Modified',
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Entity',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
}

export const reasonPhrase = (status: number) => REASON_PHRASES[status] ?? 'Error'

export type ErrorDetail = Record<string, unknown>

export class EllisError extends Error {
  override name = 'EllisError'
  constructor(
    readonly status: number,
    readonly reason: string,
    readonly detail: ErrorDetail = {},
    readonly headers: Record<string, string> = {}
  ) {
    super(reason)
  }
}

/** Dime or Homer answered with an unexpected status, or could not be reached (502). */
export class UpstreamError extends EllisError {
  override name = 'UpstreamError'
  constructor(
    readonly upstreamStatus: number | 'unreachable',
    readonly upstreamUrl: string,
    upstreamReason?: string
  ) {
    super(
      502,
      upstreamReason
        ? `upstream ${upstreamStatus} from ${pathOf(upstreamUrl)}: ${upstreamReason}`
        : `upstream ${upstreamStatus} from ${pathOf(upstreamUrl)}`,
      {
        'Upstream error': String(upstreamStatus),
        'Upstream URL': upstreamUrl,
        ...(upstreamReason ? { 'Upstream reason': upstreamReason } : {}),
      }
    )
  }
}

function pathOf(url: string): string {
  try {
    return new URL(url).pathname
  } catch {
    return url
  }
}

export function errorBody(status: number, reason: string, detail: ErrorDetail = {}) {
  return { error: true, status, message: reasonPhrase(status), reason, detail }
}

export function errorResponse(err: EllisError): Response {
  return new Response(JSON.stringify(errorBody(err.status, err.reason, err.detail)), {
    status: err.status,
    headers: { 'content-type': 'application/json; charset=utf-8', ...err.headers },
  })
}

/** Shorthands for the statuses handlers use. */
export const badRequest = (reason: string, detail?: ErrorDetail) =>
  new EllisError(400, reason, detail)
export const forbidden = (reason: string) => new EllisError(403, reason)
export const notFound = (reason: string) => new EllisError(404, reason)
export const conflict = (reason: string) => new EllisError(409, reason)
export const unavailable = (reason: string, retryAfterS = 1) =>
  new EllisError(503, reason, {}, { 'retry-after': String(retryAfterS) })
