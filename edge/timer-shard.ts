/**
 * @module edge/timer-shard
 * The precise (< 60 s) timer tier: Durable Object alarms sharded by timer id (architecture §4).
 * The class is declared here so the binding and migration are real; timers fill it in.
 */
import { DurableObject } from 'cloudflare:workers'
import type { EdgeEnv } from './env'

export class TimerShard extends DurableObject<EdgeEnv> {
  override async fetch(_request: Request): Promise<Response> {
    return new Response('precise timers are not served by this build of the edge\n', {
      status: 501,
    })
  }
}
