/**
 * @module ellis/routes/routes-settings
 * Per-number settings (clearwater-interfaces §1.3): the MMTEL simservs document proxied to Homer
 * (GET returns Homer's body verbatim, PUT returns 200 with an empty body; any Homer refusal,
 * including a document that fails validation, is 502 with Homer's reason in the detail), the iFC
 * document proxied to the number's service profile in Homestead-prov (PUT checks it first: 400
 * when it is not well-formed XML or not a valid iFC document, trigger patterns that cannot be
 * matched in linear time included, with the reason), the global-address-book flag, and the
 * address book itself.
 */
import { createRoute } from '@hono/zod-openapi'
import { XMLValidator } from 'fast-xml-parser'
import { parseFilterCriteriaXml } from '../../../shared/ims/ifc-parse'
import { parseSimservs } from '../../../shared/ims/simservs'
import { getAccountNumber, globalAddressBook, normalEmail, setGabListed } from '../accounts-store'
import { badRequest, EllisError, UpstreamError } from '../api-errors'
import { Empty, GabAnswer, ListedAnswer, ListedParams, NumberParams } from '../api-schemas'
import { requireAccount, requireLiveSession, requireNumberOwnership } from '../auth'
import type { EllisContext, EllisDeps } from '../ellis-deps'
import { buildServices } from '../ellis-services'
import { parseArgs, requestMeta } from '../request-context'
import { errorAnswers, jsonAnswer, type RouteTable } from './route-kit'

async function owned(c: EllisContext, deps: EllisDeps) {
  const email = normalEmail(c.req.param('email') ?? '')
  const { account } = await requireAccount(c, deps, email)
  const sipUri = c.req.param('sip_uri') ?? ''
  await requireNumberOwnership(deps, email, sipUri)
  const meta = await requestMeta(c, deps.config.hopSecret)
  return { account, email, sipUri, meta, s: buildServices(deps, meta.forwardedBy) }
}

function xmlBody(text: string, contentType: string | null): Response {
  return new Response(text, {
    status: 200,
    headers: { 'content-type': contentType ?? 'application/xml; charset=utf-8' },
  })
}

async function getSimservs(c: EllisContext, deps: EllisDeps) {
  const { sipUri, s } = await owned(c, deps)
  const r = await s.homer.getSimservs(sipUri)
  return xmlBody(r.text, r.headers.get('content-type'))
}

async function putSimservs(c: EllisContext, deps: EllisDeps) {
  const { sipUri, s, meta } = await owned(c, deps)
  const text = parseArgs(c, meta).text
  if (text.trim() === '') throw badRequest('(body): a simservs document is required')
  // The document is the subscriber's, so a refusal is their 400, not an upstream 502: it is
  // checked here the way Homer checks it (shared/ims/simservs.ts), the reason naming the element.
  const checked = parseSimservs(text)
  if (!checked.ok) throw badRequest(checked.error.reason)
  await s.homer.putSimservs(sipUri, text)
  deps.log.info('simservs updated', { sip_uri: sipUri })
  return c.body(null, 200)
}

async function serviceProfile(
  s: ReturnType<typeof buildServices>,
  deps: EllisDeps,
  sipUri: string
) {
  const sp = await s.homestead.serviceProfileOf(sipUri)
  if (!sp)
    throw new UpstreamError(
      404,
      `${deps.config.functionUrls[deps.config.region].dime}/public/${encodeURIComponent(sipUri)}/service_profile`,
      'Homestead does not know this public identity'
    )
  return sp
}

async function getIfcs(c: EllisContext, deps: EllisDeps) {
  const { sipUri, s } = await owned(c, deps)
  const r = await s.homestead.getFilterCriteria(await serviceProfile(s, deps, sipUri))
  return xmlBody(r.text, r.headers.get('content-type'))
}

async function putIfcs(c: EllisContext, deps: EllisDeps) {
  const { sipUri, s, meta } = await owned(c, deps)
  const text = parseArgs(c, meta).text
  const wellFormed = XMLValidator.validate(text)
  if (text.trim() === '' || wellFormed !== true)
    throw badRequest(
      wellFormed === true
        ? '(body): an iFC document is required'
        : `(body): is not well-formed XML (line ${wellFormed.err.line}: ${wellFormed.err.msg})`
    )
  // Subscribers write their own iFCs, as in Clearwater's Ellis; what they write runs in the
  // S-CSCF, so it is checked here the way Homestead-prov checks it: every trigger pattern must
  // compile for the linear-time matcher within the S-CSCF's limits (shared/ims/ifc-pattern.ts).
  const checked = parseFilterCriteriaXml(text, 'strict')
  if (!checked.ok) throw badRequest(`${checked.error.path}: ${checked.error.message}`)
  await s.homestead.putFilterCriteria(await serviceProfile(s, deps, sipUri), text)
  deps.log.info('iFCs updated', { sip_uri: sipUri })
  return c.body(null, 200)
}

async function getListed(c: EllisContext, deps: EllisDeps) {
  const { email, sipUri } = await owned(c, deps)
  const n = await getAccountNumber(deps.table, email, sipUri)
  if (!n) throw new EllisError(404, "User doesn't own that number")
  return c.json({ gab_listed: n.gabListed ? 1 : 0 }, 200)
}

async function putListed(c: EllisContext, deps: EllisDeps) {
  const { account, sipUri } = await owned(c, deps)
  const flag = c.req.param('flag')
  if (flag !== '0' && flag !== '1') throw new EllisError(404, 'listed flag must be 0 or 1')
  await setGabListed(deps.table, account, sipUri, flag === '1')
  return c.json({}, 200)
}

async function addressBook(c: EllisContext, deps: EllisDeps) {
  // Issue 14 finding 12: an ended session (logout, password change) must not read it either.
  await requireLiveSession(c, deps)
  return c.json({ contacts: await globalAddressBook(deps.table) }, 200)
}

const xml = (description: string) => ({
  description,
  content: { 'application/xml': { schema: { type: 'string' as const } } },
})

export function settingsRoutes(t: RouteTable): void {
  const common = { 403: 'Not authenticated for this account', 404: 'Number not found / not owned' }
  t.add(
    createRoute({
      method: 'get',
      path: '/api/accounts/{email}/numbers/{sip_uri}/simservs',
      tags: ['settings'],
      summary: "The number's MMTEL simservs document (from Homer, verbatim)",
      request: { params: NumberParams },
      responses: { 200: xml('simservs XML'), ...errorAnswers({ ...common, 502: 'Homer failed' }) },
    }),
    getSimservs
  )
  t.add(
    createRoute({
      method: 'put',
      path: '/api/accounts/{email}/numbers/{sip_uri}/simservs',
      tags: ['settings'],
      summary: 'Replace the simservs document (validated by Homer)',
      request: {
        params: NumberParams,
        body: { content: { 'application/simservs+xml': { schema: { type: 'string' } } } },
      },
      responses: {
        200: { description: 'Stored (empty body)' },
        ...errorAnswers({
          ...common,
          400: 'Empty body',
          502: 'Homer refused it (reason in detail)',
        }),
      },
    }),
    putSimservs
  )
  t.add(
    createRoute({
      method: 'get',
      path: '/api/accounts/{email}/numbers/{sip_uri}/ifcs',
      tags: ['settings'],
      summary: "The iFCs of the number's service profile (Homestead-prov filter_criteria)",
      request: { params: NumberParams },
      responses: {
        200: xml('<ServiceProfile> iFC XML'),
        ...errorAnswers({ ...common, 502: 'Homestead-prov failed' }),
      },
    }),
    getIfcs
  )
  t.add(
    createRoute({
      method: 'put',
      path: '/api/accounts/{email}/numbers/{sip_uri}/ifcs',
      tags: ['settings'],
      summary:
        'Replace the iFCs (a valid iFC document whose trigger patterns compile for the linear-time matcher)',
      request: {
        params: NumberParams,
        body: { content: { 'application/xml': { schema: { type: 'string' } } } },
      },
      responses: {
        200: { description: 'Stored (empty body)' },
        ...errorAnswers({
          ...common,
          400: 'Not well-formed XML, or not a valid iFC document (reason in detail)',
          502: 'Homestead-prov refused it',
        }),
      },
    }),
    putIfcs
  )
  t.add(
    createRoute({
      method: 'get',
      path: '/api/accounts/{email}/numbers/{sip_uri}/listed',
      tags: ['settings'],
      summary: 'Whether the number is in the global address book',
      request: { params: NumberParams },
      responses: { 200: jsonAnswer('Flag', ListedAnswer), ...errorAnswers(common) },
    }),
    getListed
  )
  t.add(
    createRoute({
      method: 'put',
      path: '/api/accounts/{email}/numbers/{sip_uri}/listed/{flag}',
      tags: ['settings'],
      summary: 'List (1) or unlist (0) the number in the global address book',
      request: { params: ListedParams },
      responses: { 200: jsonAnswer('Done', Empty), ...errorAnswers(common) },
    }),
    putListed
  )
  t.add(
    createRoute({
      method: 'get',
      path: '/api/gab',
      tags: ['settings'],
      summary: 'The global address book (listed numbers by full name)',
      responses: {
        200: jsonAnswer('Contacts', GabAnswer),
        ...errorAnswers({ 403: 'Not authenticated' }),
      },
    }),
    addressBook
  )
  t.alias('GET', '/api/1/gab', addressBook)
}
