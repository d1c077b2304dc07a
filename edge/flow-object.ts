/**
 * @module edge/flow-object
 * One Durable Object per WebSocket flow (architecture §2). The SIP handling of a flow arrives
 * with the edge work; the class is declared here so the binding and migration are real.
 */
import { DurableObject } from 'cloudflare:workers'
import type { EdgeEnv } from './env'

export class FlowObject extends DurableObject<EdgeEnv> {
  override async fetch(_request: Request): Promise<Response> {
    return new Response('SIP flows are not served by this build of the edge\n', { status: 501 })
  }
}
