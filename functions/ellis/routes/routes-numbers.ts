/**
 * @module ellis/routes/routes-numbers
 * Numbers of an account (clearwater-interfaces §1.3, §1.4): list (each with its private id from
 * Homestead-prov; a number Homestead no longer knows goes back to the pool), allocate from the
 * pool (PSTN or not, optionally on an existing private id of the account; 503 "No available
 * numbers"), provision a specific SIP URI (API key only), delete (200 `{}`), and a new SIP
 * password (200 `{"sip_password"}`). The SIP password appears only in the answer that created it.
 */

import { createRoute } from '@hono/zod-openapi'
import { metrics } from '../../../shared/metrics/isolate'
import { ConditionFailed } from '../../../shared/vellum/errors'
import { getAccountNumber, listAccountNumbers, normalEmail } from '../accounts-store'
import { badRequest, forbidden } from '../api-errors'
import {
  check,
  EmailParam,
  Empty,
  NumberAllocate,
  NumberAnswer,
  NumberParams,
  NumbersAnswer,
  SipPasswordAnswer,
  SpecificNumber,
} from '../api-schemas'
import { MAX_SIP_URI_BYTES, requireAccount, requireNumberOwnership } from '../auth'
import { ELLIS_LIMITS, PENDING_ALLOCATION_GRACE_MS } from '../ellis-config'
import type { EllisContext, EllisDeps } from '../ellis-deps'
import { buildServices } from '../ellis-services'
import { numberJson, splitSipUri } from '../numbers/number-format'
import { allocateNumber, deleteNumber, resetSipPassword } from '../numbers/provisioning'
import { boolArg, parseArgs, requestMeta } from '../request-context'
import { errorAnswers, formOrJson, jsonAnswer, type RouteTable } from './route-kit'

export const SIP_URI_RE = /^sips?:[^@\s/]+@[^\s/@]+$/

const emailOf = (c: EllisContext) => normalEmail(c.req.param('email') ?? '')
const uriOf = (c: EllisContext) => c.req.param('sip_uri') ?? ''

/** Clearwater's sip_username: the private id when it is not the URI's own, else the number. */
function sipUsername(sipUri: string, privateId: string): string {
  return privateId === sipUri.replace(/^sips?:/, '') ? splitSipUri(sipUri).user : privateId
}

async function listNumbers(c: EllisContext, deps: EllisDeps): Promise<Response> {
  const email = emailOf(c)
  await requireAccount(c, deps, email)
  const meta = await requestMeta(c, deps.config.hopSecret)
  const s = buildServices(deps, meta.forwardedBy)
  const now = deps.clock.now()
  // Numbers still being provisioned are left alone (their allocation is in flight).
  const held = (await listAccountNumbers(deps.table, email)).filter(
    (n) => n.pendingMs === undefined || now - n.pendingMs > PENDING_ALLOCATION_GRACE_MS
  )
  const rows = await Promise.all(
    held.map(async (n) => {
      const privateIds = await s.homestead.privateIdsOf(n.sipUri)
      if (privateIds === undefined) {
        // Homestead lost it: return the number and its simservs (as Clearwater's Ellis does).
        deps.log.warn('number unknown to Homestead: returned to the pool', { sip_uri: n.sipUri })
        await s.homer.deleteSimservs(n.sipUri)
        await s.pool.release(n.sipUri, email).catch((err: unknown) => {
          // A delete of this number running meanwhile returned it first (was a 500).
          if (!(err instanceof ConditionFailed)) throw err
        })
        return undefined
      }
      const privateId = privateIds[0] ?? n.privateId ?? n.sipUri.replace(/^sips?:/, '')
      return numberJson({
        sipUri: n.sipUri,
        numberId: n.numberId,
        pstn: n.pstn,
        privateId,
        sipUsername: sipUsername(n.sipUri, privateId),
        gabListed: n.gabListed,
      })
    })
  )
  return c.json({ numbers: rows.filter((r) => r !== undefined) }, 200)
}

async function allocate(c: EllisContext, deps: EllisDeps): Promise<Response> {
  const email = emailOf(c)
  const { account, caller } = await requireAccount(c, deps, email)
  const meta = await requestMeta(c, deps.config.hopSecret)
  const args = parseArgs(c, meta)
  const pstn = boolArg(args.field('pstn'), 'pstn', false)
  const privateId = args.field('private_id') || undefined
  const held = await listAccountNumbers(deps.table, email)
  if (held.length >= ELLIS_LIMITS.maxNumbersPerAccount)
    throw forbidden(`an account holds at most ${ELLIS_LIMITS.maxNumbersPerAccount} numbers`)
  if (privateId !== undefined && !caller.admin) {
    const own = held.map((n) => n.privateId ?? n.sipUri.replace(/^sips?:/, ''))
    if (!own.includes(privateId))
      throw forbidden(`private_id: ${privateId} is not a private identity of this account`)
  }
  const s = buildServices(deps, meta.forwardedBy)
  const out = await allocateNumber(s.provisioning, account, {
    kind: 'pool',
    pstn,
    ...(privateId !== undefined ? { privateId } : {}),
  })
  deps.log.info('number allocated', { email, sip_uri: out.number.sipUri, pstn })
  metrics.ellisAllocations.inc()
  return c.json(
    numberJson({
      sipUri: out.number.sipUri,
      numberId: out.number.numberId,
      pstn: out.number.pstn,
      privateId: out.privateId,
      sipUsername: sipUsername(out.number.sipUri, out.privateId),
      gabListed: true,
      ...(out.sipPassword !== undefined ? { sipPassword: out.sipPassword } : {}),
    }),
    200
  )
}

async function provisionSpecific(c: EllisContext, deps: EllisDeps): Promise<Response> {
  const email = emailOf(c)
  const { account, caller } = await requireAccount(c, deps, email)
  if (!caller.admin) throw forbidden('only the NGV-API-Key may provision a specific number')
  const sipUri = uriOf(c)
  if (!SIP_URI_RE.test(sipUri)) throw badRequest('sip_uri: must be sip:user@domain')
  if (new TextEncoder().encode(sipUri).length > MAX_SIP_URI_BYTES)
    throw badRequest(`sip_uri: must be at most ${MAX_SIP_URI_BYTES} bytes`)
  const meta = await requestMeta(c, deps.config.hopSecret)
  const args = parseArgs(c, meta)
  const body = check(SpecificNumber, {
    private_id: args.field('private_id'),
    new_private_id: args.field('new_private_id'),
    pstn: args.field('pstn'),
  })
  if (!body.ok) throw badRequest(body.reason)
  const s = buildServices(deps, meta.forwardedBy)
  const out = await allocateNumber(s.provisioning, account, {
    kind: 'specific',
    sipUri,
    privateId: body.value.private_id,
    newPrivateId: boolArg(body.value.new_private_id, 'new_private_id', false),
    pstn: boolArg(body.value.pstn, 'pstn', false),
  })
  deps.log.info('specific number provisioned', { email, sip_uri: sipUri })
  metrics.ellisAllocations.inc()
  return c.json(
    numberJson({
      sipUri,
      numberId: out.number.numberId,
      pstn: out.number.pstn,
      privateId: out.privateId,
      sipUsername: out.privateId,
      gabListed: true,
      ...(out.sipPassword !== undefined ? { sipPassword: out.sipPassword } : {}),
    }),
    200
  )
}

async function removeNumber(c: EllisContext, deps: EllisDeps): Promise<Response> {
  const email = emailOf(c)
  await requireAccount(c, deps, email)
  const sipUri = uriOf(c)
  await requireNumberOwnership(deps, email, sipUri)
  const meta = await requestMeta(c, deps.config.hopSecret)
  try {
    await deleteNumber(buildServices(deps, meta.forwardedBy).provisioning, email, sipUri)
  } catch (err) {
    if (!(err instanceof ConditionFailed)) throw err
    // Two deletes of one number raced and the other returned it to the pool first: 404 as for
    // any number already gone (was a 500). Any other lost condition stays an error.
    await requireNumberOwnership(deps, email, sipUri)
    throw err
  }
  deps.log.info('number deleted', { email, sip_uri: sipUri })
  return c.json({}, 200)
}

async function newSipPassword(c: EllisContext, deps: EllisDeps): Promise<Response> {
  const email = emailOf(c)
  await requireAccount(c, deps, email)
  const sipUri = uriOf(c)
  await requireNumberOwnership(deps, email, sipUri)
  const meta = await requestMeta(c, deps.config.hopSecret)
  const s = buildServices(deps, meta.forwardedBy)
  const stored = await getAccountNumber(deps.table, email, sipUri)
  const privateId =
    (await s.homestead.privateIdsOf(sipUri))?.[0] ??
    stored?.privateId ??
    sipUri.replace(/^sips?:/, '')
  const password = await resetSipPassword(s.provisioning, privateId)
  deps.log.info('SIP password reset', { email, sip_uri: sipUri })
  return c.json({ sip_password: password }, 200)
}

export function numberRoutes(t: RouteTable): void {
  const upstream = { 502: 'Homestead-prov or Homer failed (detail names the upstream)' }
  t.add(
    createRoute({
      method: 'get',
      path: '/api/accounts/{email}/numbers',
      tags: ['numbers'],
      summary: "The account's numbers",
      request: { params: EmailParam },
      responses: {
        200: jsonAnswer('Numbers', NumbersAnswer),
        ...errorAnswers({
          403: 'Not authenticated for this account',
          404: 'No such account',
          ...upstream,
        }),
      },
    }),
    listNumbers
  )
  t.add(
    createRoute({
      method: 'post',
      path: '/api/accounts/{email}/numbers',
      tags: ['numbers'],
      summary:
        'Allocate a number from the pool (new private id and SIP password unless private_id)',
      request: { params: EmailParam, body: formOrJson(NumberAllocate) },
      responses: {
        200: jsonAnswer('The number (sip_password only for a new private id)', NumberAnswer),
        ...errorAnswers({
          403: 'Not authenticated for this account, or not its private id',
          404: 'No such account',
          503: 'No available numbers',
          ...upstream,
        }),
      },
    }),
    allocate
  )
  t.add(
    createRoute({
      method: 'post',
      path: '/api/accounts/{email}/numbers/{sip_uri}',
      tags: ['numbers'],
      summary: 'Provision a specific SIP URI (API key only)',
      request: { params: NumberParams, body: formOrJson(SpecificNumber) },
      responses: {
        200: jsonAnswer('The number', NumberAnswer),
        ...errorAnswers({
          400: 'Invalid field',
          403: 'Not the API key',
          409: 'Already allocated',
          ...upstream,
        }),
      },
    }),
    provisionSpecific
  )
  t.add(
    createRoute({
      method: 'delete',
      path: '/api/accounts/{email}/numbers/{sip_uri}',
      tags: ['numbers'],
      summary: 'Delete a number (Homestead-prov, Homer, back to the pool)',
      request: { params: NumberParams },
      responses: {
        200: jsonAnswer('Deleted', Empty),
        ...errorAnswers({
          403: 'Not authenticated, or the default public id of a shared private id',
          404: 'Number not found / not owned',
          ...upstream,
        }),
      },
    }),
    removeNumber
  )
  t.add(
    createRoute({
      method: 'post',
      path: '/api/accounts/{email}/numbers/{sip_uri}/password',
      tags: ['numbers'],
      summary: 'Set a new SIP password on the number’s private id',
      request: { params: NumberParams },
      responses: {
        200: jsonAnswer('The new SIP password', SipPasswordAnswer),
        ...errorAnswers({ 404: 'Number not found / not owned', ...upstream }),
      },
    }),
    newSipPassword
  )
}
