/**
 * @module ellis/routes/routes-call-list
 * A number's call list for the portal's call-history page (docs/memento.md):
 * `GET /api/accounts/{email}/numbers/{sip_uri}/call-list`, for the signed-in owner of the number
 * (or the admin key) only, so a subscriber reads no one else's list. Ellis asks Homer's Memento
 * API over the signed hop (functions/homer/call-list) and returns its `call-list.xml` verbatim;
 * a Homer failure is 502 (clearwater-interfaces §1.2).
 */
import { createRoute } from '@hono/zod-openapi'
import { normalEmail } from '../accounts-store'
import { NumberParams } from '../api-schemas'
import { requireAccount, requireNumberOwnership } from '../auth'
import { TIMEOUTS } from '../ellis-config'
import type { EllisContext, EllisDeps } from '../ellis-deps'
import { callUpstream, expectStatus, signedClient } from '../upstream'
import { errorAnswers, type RouteTable } from './route-kit'

export const callListPath = (impu: string) =>
  `/org.projectclearwater.call-list/users/${encodeURIComponent(impu)}/call-list.xml`

async function getCallList(c: EllisContext, deps: EllisDeps): Promise<Response> {
  const email = normalEmail(c.req.param('email') ?? '')
  await requireAccount(c, deps, email)
  const sipUri = c.req.param('sip_uri') ?? ''
  await requireNumberOwnership(deps, email, sipUri)
  const client = signedClient(deps.fetch, deps.config.hopSecret, TIMEOUTS.upstreamMs)
  const homer = deps.config.functionUrls[deps.config.region].homer
  const r = expectStatus(await callUpstream(client, 'GET', `${homer}${callListPath(sipUri)}`), 200)
  return new Response(r.text, {
    status: 200,
    headers: {
      'content-type': r.headers.get('content-type') ?? 'application/xml; charset=utf-8',
      'cache-control': 'no-store',
    },
  })
}

export function callListRoutes(t: RouteTable): void {
  t.add(
    createRoute({
      method: 'get',
      path: '/api/accounts/{email}/numbers/{sip_uri}/call-list',
      tags: ['settings'],
      summary: "The number's Memento call list (call-list.xml from Homer, newest call first)",
      request: { params: NumberParams },
      responses: {
        200: {
          description: '<call-list><calls><call>…</call></calls></call-list>',
          content: {
            'application/vnd.projectclearwater.call-list+xml': { schema: { type: 'string' } },
          },
        },
        ...errorAnswers({
          403: 'Not authenticated for this account',
          404: 'Number not found / not owned',
          502: 'Homer failed',
        }),
      },
    }),
    getCallList
  )
}
