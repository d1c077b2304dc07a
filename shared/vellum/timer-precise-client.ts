/**
 * @module vellum/timer-precise-client
 * How functions reach the precise tier (the timer service's intervals under 60 s, and call
 * routing's own timers of any length): Durable Object alarms at the
 * edge (edge/timer-shard.ts), sharded by timer id so each object holds many timers and re-arms
 * its single alarm for the earliest. The edge route `POST /internal/timers/<shard>` checks the
 * trusted-zone signature and forwards to the shard object; the body is a {@link PreciseCommand}.
 */
import { signedFetch } from '../hop/signed-fetch'
import { StoreError, Unavailable } from './errors'
import { shardOf } from './keys'
import type { RoundTrips } from './round-trips'

/** Number of TimerShard objects; a timer id always maps to the same one. */
export const PRECISE_SHARDS = 32
export const PRECISE_ROUTE = '/internal/timers'

export const preciseShard = (id: string) =>
  `timers-${String(shardOf(id, PRECISE_SHARDS)).padStart(2, '0')}`

export type PreciseCommand =
  | {
      op: 'set'
      id: string
      generation: number
      intervalMs: number
      repeatForMs: number
      callbackUri: string
      opaque: string
    }
  /** With `generation`, only a timer of an older generation is removed. */
  | { op: 'delete'; id: string; generation?: number }

export class PreciseTierClient {
  constructor(
    private readonly edgeUrl: string,
    private readonly secret: string,
    private readonly rt: RoundTrips,
    private readonly fetchImpl: typeof fetch = (input, init) => fetch(input, init),
    private readonly timeoutMs = 2_000
  ) {}

  async send(cmd: PreciseCommand): Promise<void> {
    const url = `${this.edgeUrl.replace(/\/+$/, '')}${PRECISE_ROUTE}/${preciseShard(cmd.id)}`
    const body = JSON.stringify(cmd)
    let res: Response
    try {
      res = await this.rt.track('edge', `precise-${cmd.op}`, async () =>
        signedFetch(this.fetchImpl, this.secret, url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
          signal: AbortSignal.timeout(this.timeoutMs),
        })
      )
    } catch (err) {
      throw new Unavailable(
        `precise timer ${cmd.op} ${cmd.id}: edge unreachable (${String(err)})`,
        'timers',
        { cause: err }
      )
    }
    const text = await res.text().catch(() => '')
    if (res.status >= 500)
      throw new Unavailable(
        `precise timer ${cmd.op} ${cmd.id}: edge answered ${res.status} ${text}`,
        'timers'
      )
    if (!res.ok)
      throw new StoreError(
        `precise timer ${cmd.op} ${cmd.id}: edge answered ${res.status} ${text}`,
        'timers'
      )
  }
}
