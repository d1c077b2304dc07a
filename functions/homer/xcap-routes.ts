/**
 * @module homer/xcap-routes
 * Homer's HTTP surface: the XCAP tree of the simservs application usage under both its AUIDs
 * (`/org.etsi.ngn.simservs/…` as Clearwater, `/simservs.ngn.etsi.org/…` as TS 24.623), the
 * internal MMTEL read of a parsed model (`GET /mmtel/simservs/<impu>`, trusted zone only, the
 * same cheap path Sprout imports), and `GET /ping` (Clearwater). Each request: parse the URI
 * (404/400), check the method (405 with `Allow`), authorise (internal signature or Ut digest),
 * then run the operation; a write whose document another region owns is sent there
 * (xcap-owner.ts). A store or Dime outage is 503 with `Retry-After`.
 */
import { Hono } from 'hono'
import type { FunctionBindings } from '../../shared/http/function-app'
import { trustedZone } from '../../shared/http/trusted-zone'
import { parseXcapPath, SIMSERVS_AUIDS, SIMSERVS_DOCUMENT } from '../../shared/ims/xcap-uri'
import { Unavailable } from '../../shared/vellum/errors'
import { DirectoryUnavailable } from './dime-client'
import type { DepsResolver, HomerContext } from './homer-deps'
import { authorize } from './ut-access'
import {
  errorResponse,
  fetchDocument,
  jsonResponse,
  removeDocument,
  replaceDocument,
  type XcapRequest,
} from './xcap-handlers'
import { FORWARDED_BY_HEADER, forwardWrite, mustForward } from './xcap-owner'

const HOSTED = { auids: SIMSERVS_AUIDS, documents: [SIMSERVS_DOCUMENT] }
const DOCUMENT_METHODS = ['GET', 'HEAD', 'PUT', 'DELETE']
/** Element and attribute paths are read-only here (RFC 4825 element PUT/DELETE not offered). */
const NODE_METHODS = ['GET', 'HEAD']

/** No user has a longer identity (Dime's limit); the table's keys could not hold it either. */
const MAX_XUI_BYTES = 512
const XUI_TOO_LONG = `no documents for a user identity longer than ${MAX_XUI_BYTES} bytes`
const tooLong = (xui: string) => new TextEncoder().encode(xui).length > MAX_XUI_BYTES

function unavailable(err: unknown): Response | undefined {
  if (err instanceof DirectoryUnavailable || err instanceof Unavailable)
    return errorResponse(503, err.message, { 'retry-after': '1' })
  return undefined
}

async function handleXcap(c: HomerContext, resolve: DepsResolver): Promise<Response> {
  const url = new URL(c.req.url)
  const parsed = parseXcapPath(url.pathname, url.search, HOSTED)
  if (!parsed.ok) return errorResponse(parsed.status, parsed.reason)
  const target = parsed.value
  if (tooLong(target.xui)) return errorResponse(404, XUI_TOO_LONG)
  const method = c.req.method.toUpperCase()
  const allowed = target.nodeSelector === undefined ? DOCUMENT_METHODS : NODE_METHODS
  if (!allowed.includes(method))
    return jsonResponse(
      405,
      { error: 'method not allowed', reason: `${method} is not supported on this resource` },
      { allow: allowed.join(', ') }
    )
  const deps = resolve(c)
  try {
    const body = new Uint8Array(await c.req.arrayBuffer())
    const access = await authorize(
      { method, url: c.req.url, headers: c.req.raw.headers, body },
      target.xui,
      deps.access
    )
    if (!access.ok) return access.response
    const req: XcapRequest = {
      method,
      target,
      body,
      caller: access.caller,
      conditions: {
        ifMatch: c.req.header('if-match'),
        ifNoneMatch: c.req.header('if-none-match'),
      },
    }
    // Writes run in the document's home region (xcap-owner.ts); a signed request that the other
    // region forwarded is never forwarded again.
    const forwardedBy =
      access.caller.kind === 'internal' ? (c.req.header(FORWARDED_BY_HEADER) ?? null) : null
    const conditional = req.conditions.ifMatch != null || req.conditions.ifNoneMatch != null
    if (
      (method === 'PUT' || method === 'DELETE') &&
      mustForward(deps.owner, target.xui, forwardedBy)
    ) {
      const answer = await forwardWrite(
        deps.owner,
        target.xui,
        method,
        url,
        c.req.raw.headers,
        body,
        conditional
      )
      if (answer) return answer
    }
    if (method === 'PUT') return await replaceDocument(req, deps)
    if (method === 'DELETE') return await removeDocument(req, deps)
    return await fetchDocument(req, deps)
  } catch (err) {
    const r = unavailable(err)
    if (!r) throw err
    deps.log.warn('XCAP request failed on a backend', { path: url.pathname, error: err })
    return r
  }
}

export function createHomerRoutes(resolve: DepsResolver): Hono<FunctionBindings> {
  const app = new Hono<FunctionBindings>()

  // Clearwater's liveness probe (crest: GET /ping → 200 "OK").
  app.get('/ping', (c) => c.text('OK'))

  for (const auid of SIMSERVS_AUIDS) {
    app.all(`/${auid}/*`, (c) => handleXcap(c, resolve))
  }

  // The MMTEL cheap path over HTTP, for tools and for reading from another runtime.
  app.get('/mmtel/simservs/:impu', trustedZone(), async (c) => {
    const deps = resolve(c)
    try {
      const impu = c.req.param('impu')
      if (tooLong(impu)) return errorResponse(404, XUI_TOO_LONG)
      const r = await deps.reader.lookup(impu)
      const rt = deps.roundTrips?.snapshot()
      return c.json({
        impu,
        source: r.source,
        etag: r.etag ?? null,
        model: r.model ?? null,
        // What this read cost in store round trips (architecture §8 budgets).
        roundTrips: rt ? { calls: rt.calls, depth: rt.depth, byStore: rt.byStore } : null,
      })
    } catch (err) {
      const r = unavailable(err)
      if (!r) throw err
      return r
    }
  })

  return app
}
