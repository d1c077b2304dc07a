/**
 * Helpers for integration tests: the running cloud's endpoints and its control API.
 */
import { inject } from 'vitest'
import { LOCAL_EDGE_BREAKER_OPEN_MS } from '../../infra/local/function-bindings'
import type { Region } from '../../shared/config/regions'

export const endpoints = () => inject('endpoints')

async function control(path: string, body?: unknown): Promise<unknown> {
  const res = await fetch(`${endpoints().control}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
  if (!res.ok) throw new Error(`control ${path}: ${res.status} ${await res.text()}`)
  return res.json()
}

export const regionDown = (r: Region) => control(`/regions/${r}/down`, {})
/**
 * Brings a region back and waits out the edges' circuit breakers, so that the next test's
 * traffic reaches the region again rather than its peer (whose table replica may not yet have
 * a subscriber just provisioned here).
 */
export async function regionUp(r: Region): Promise<unknown> {
  const state = await control(`/regions/${r}/up`, {})
  await new Promise((res) => setTimeout(res, LOCAL_EDGE_BREAKER_OPEN_MS + 100))
  return state
}
export const advanceClock = (ms: number) => control('/clock/advance', { ms })
export const clockNow = async () => ((await control('/clock')) as { now: number }).now
export const invocations = (r: Region) =>
  control(`/scheduler/${r}/invocations`) as Promise<Array<Record<string, unknown>>>

/** Polls until `probe` returns a truthy value or the time runs out. */
export async function eventually<T>(
  probe: () => Promise<T | undefined | false>,
  timeoutMs = 10_000,
  everyMs = 100
): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let last: unknown
  while (Date.now() < deadline) {
    try {
      const v = await probe()
      if (v) return v
    } catch (err) {
      last = err
    }
    await new Promise((r) => setTimeout(r, everyMs))
  }
  throw new Error(`condition not met within ${timeoutMs} ms${last ? `: ${String(last)}` : ''}`)
}
