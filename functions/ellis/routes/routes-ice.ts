/**
 * @module ellis/routes/routes-ice
 * `GET /api/ice-servers`: the STUN and TURN servers the portal's softphone gives its
 * RTCPeerConnection (docs/media.md), TURN ones with a fresh short-lived credential in the TURN
 * REST API shape (draft-uberti-behave-turn-rest-00 §2.2; turn-credentials.ts). Only a browser
 * with a live portal session gets them: anyone else gets 401, since a TURN credential relays
 * media at the operator's cost. The answer is never cached (`cache-control: no-store`).
 */
import { createRoute, z } from '@hono/zod-openapi'
import { getAccount } from '../accounts-store'
import { EllisError } from '../api-errors'
import { identify } from '../auth'
import type { EllisContext, EllisDeps } from '../ellis-deps'
import { iceConfig } from '../ice-config'
import { iceServersFor } from '../turn-credentials'
import { errorAnswers, jsonAnswer, type RouteTable } from './route-kit'

const IceServer = z.object({
  urls: z.array(z.string()),
  username: z.string().optional(),
  credential: z.string().optional(),
})

export const IceServersAnswer = z
  .object({
    iceServers: z.array(IceServer),
    username: z.string().optional().openapi({ example: '1767312000:q1w2e3r4t5y6u7i8' }),
    password: z.string().optional(),
    ttl: z.number().int().optional().openapi({ example: 14400 }),
    uris: z.array(z.string()).openapi({ example: ['turn:turn.example.com:3478?transport=udp'] }),
  })
  .openapi('IceServers')

function unauthorized(reason: string, realm: string): EllisError {
  // RFC 9110 §15.5.2: a 401 names how to authenticate; here, the portal's login.
  return new EllisError(401, reason, {}, { 'www-authenticate': `Session realm="${realm}"` })
}

async function iceServers(c: EllisContext, deps: EllisDeps): Promise<Response> {
  const realm = deps.config.homeDomain
  const caller = await identify(c, deps)
  if (!caller.session) throw unauthorized('log in to the portal to get ICE servers', realm)
  const account = await getAccount(deps.table, caller.session.email)
  if (!account || account.sessionVersion !== caller.session.sessionVersion)
    throw unauthorized('the session has ended; log in again', realm)
  const answer = await iceServersFor(
    iceConfig((c.env ?? {}) as Record<string, unknown>),
    account.email,
    deps.clock.now()
  )
  return c.json(answer, 200, { 'cache-control': 'no-store' })
}

export function iceRoutes(t: RouteTable): void {
  t.add(
    createRoute({
      method: 'get',
      path: '/api/ice-servers',
      tags: ['session'],
      summary: 'STUN and TURN servers for the softphone, TURN with a short-lived credential',
      responses: {
        200: jsonAnswer(
          'The ICE servers (RTCIceServer list plus the TURN REST API fields)',
          IceServersAnswer
        ),
        ...errorAnswers({ 401: 'Not logged in to the portal' }),
      },
    }),
    iceServers
  )
}
