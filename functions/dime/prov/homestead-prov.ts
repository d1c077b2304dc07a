/**
 * @module dime/prov/homestead-prov
 * Homestead-prov's REST API (clearwater-interfaces §2.2; crest homestead_prov routes and
 * handlers), path for path and status for status: private ids, implicit registration sets,
 * service profiles, public ids (PublicIdentity XML), filter criteria (iFC XML, validated on PUT),
 * the `/public/...` lookups with their 303 redirects, and the paced listing. Every route also
 * answers with a trailing slash; other methods get 405. Bodies that must be empty (crest
 * `requires_empty_body`) get 400 otherwise. IRS and service profile ids are UUIDs; anything else
 * is not found. Provisioning logic is in prov-service.ts.
 */
import { Hono } from 'hono'
import { z } from 'zod'
import type { FunctionBindings } from '../../../shared/http/function-app'
import { parseFilterCriteriaXml } from '../../../shared/ims/ifc-parse'
import { md5Hex } from '../../../shared/sip'
import type { DepsResolver, DimeContext } from '../dime-deps'
import { dimeErrorHandler, homestead } from '../dime-services'
import { errorResponse, parseJsonBody, pathParam, resource } from '../http-util'
import type { SpCheck } from './prov-service'
import { listingStream, parseListingQuery } from './public-listing'

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

const privateBody = z
  .object({
    digest_ha1: z
      .string()
      .regex(/^[0-9a-fA-F]{32}$/, 'must be 32 hexadecimal digits (an MD5 HA1)')
      .optional(),
    plaintext_password: z.string().min(1, 'must not be empty').optional(),
    realm: z.string().min(1, 'must not be empty').optional(),
  })
  .refine((b) => !(b.digest_ha1 && b.plaintext_password), {
    message: 'give digest_ha1 or plaintext_password, not both',
  })
  .refine((b) => b.digest_ha1 || b.plaintext_password, {
    message: 'one of digest_ha1 or plaintext_password is required',
  })

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))

async function emptyBody(c: DimeContext): Promise<Response | undefined> {
  if ((await c.req.text()).trim() !== '')
    return errorResponse(c, 400, '(body): must be empty for this request')
  return undefined
}

function spError(c: DimeContext, check: Exclude<SpCheck, 'ok'>, what = 'service profile') {
  return check === 'not-child'
    ? errorResponse(c, 403, `${what} is not a child of the implicit registration set in the URL`)
    : errorResponse(c, 404, `no such ${what}`)
}

/** The IRS (and profile) ids of the URL, lower-cased, or a 404 response. */
function ids(c: DimeContext): { irs: string; sp: string } | Response {
  const irs = pathParam(c, 'irs').toLowerCase()
  const sp = (c.req.param('sp') ?? '').toLowerCase()
  if (!UUID_RE.test(irs)) return errorResponse(c, 404, `no such implicit registration set "${irs}"`)
  if (c.req.param('sp') !== undefined && !UUID_RE.test(sp))
    return errorResponse(c, 404, `no such service profile "${sp}"`)
  return { irs, sp }
}

/**
 * PUT/DELETE of the association between a private identity and an implicit registration set
 * (§2.2), reachable from either side; they differ only in how an absent association is removed.
 */
function association(
  prov: (c: DimeContext) => ReturnType<typeof homestead>['prov'],
  absentDelete: '204' | '404'
) {
  return {
    put: async (c: DimeContext) => {
      const bad = await emptyBody(c)
      if (bad) return bad
      const id = ids(c)
      if (id instanceof Response) return id
      const r = await prov(c).associate(pathParam(c, 'impi'), id.irs)
      return r === 'ok'
        ? c.body(null, 200)
        : errorResponse(c, 404, 'no such private identity or implicit registration set')
    },
    delete: async (c: DimeContext) => {
      const bad = await emptyBody(c)
      if (bad) return bad
      const id = ids(c)
      if (id instanceof Response) return id
      const r = await prov(c).dissociate(pathParam(c, 'impi'), id.irs)
      if (r === 'ok') return c.body(null, 200)
      return absentDelete === '204'
        ? c.body(null, 204)
        : errorResponse(c, 404, 'the private identity is not in this set')
    },
  }
}

export function homesteadProv(resolve: DepsResolver): Hono<FunctionBindings> {
  const app = new Hono<FunctionBindings>()
  app.onError(dimeErrorHandler)
  const prov = (c: DimeContext) => homestead(resolve(c)).prov

  // ---- private ids ----
  resource(app, '/private/:impi', {
    get: async (c) => {
      const rec = await prov(c).store.getPrivateId(pathParam(c, 'impi'))
      if (!rec) return errorResponse(c, 404, 'no such private identity')
      return c.json({
        digest_ha1: rec.digestHa1,
        realm: rec.realm,
        ...(rec.plaintextPassword ? { plaintext_password: rec.plaintextPassword } : {}),
      })
    },
    put: async (c) => {
      const text = await c.req.text()
      if (text.trim() === '') return errorResponse(c, 400, '(body): is empty')
      const body = parseJsonBody(text, privateBody)
      if (!body.ok) return errorResponse(c, 400, body.reason)
      const impi = pathParam(c, 'impi')
      const d = resolve(c)
      // The realm defaults to the home domain; a password is stored with its HA1 (crest).
      const realm = body.value.realm ?? d.config.homeDomain
      const pw = body.value.plaintext_password
      await homestead(d).prov.putPrivateId({
        impi,
        realm,
        digestHa1: pw
          ? md5Hex(`${impi}:${realm}:${pw}`)
          : (body.value.digest_ha1 as string).toLowerCase(),
        ...(pw ? { plaintextPassword: pw } : {}),
      })
      return c.body(null, 200)
    },
    delete: async (c) =>
      (await prov(c).deletePrivateId(pathParam(c, 'impi'))) ? c.body(null, 200) : c.body(null, 204),
  })

  resource(app, '/private/:impi/associated_implicit_registration_sets', {
    get: async (c) => {
      const impi = pathParam(c, 'impi')
      const p = prov(c)
      const [rec, irs] = await Promise.all([
        p.store.getPrivateId(impi),
        p.store.irsOfPrivateId(impi),
      ])
      if (!rec) return errorResponse(c, 404, 'no such private identity')
      return c.json({ associated_implicit_registration_sets: irs })
    },
  })

  // The same association seen from the private identity: removing one that is not there is 204.
  resource(
    app,
    '/private/:impi/associated_implicit_registration_sets/:irs',
    association(prov, '204')
  )

  resource(app, '/private/:impi/associated_public_ids', {
    get: async (c) => {
      const ids = await prov(c).publicIdsOfPrivateId(pathParam(c, 'impi'))
      if (!ids) return errorResponse(c, 404, 'no such private identity')
      return c.json({ associated_public_ids: ids })
    },
  })

  // ---- implicit registration sets ----
  resource(app, '/irs', {
    post: async (c) => {
      const bad = await emptyBody(c)
      if (bad) return bad
      const irs = await prov(c).createIrs()
      c.header('Location', `/irs/${irs}`)
      return c.body(null, 201)
    },
  })

  resource(app, '/irs/:irs', {
    delete: async (c) => {
      const bad = await emptyBody(c)
      if (bad) return bad
      const id = ids(c)
      if (id instanceof Response) return c.body(null, 204)
      return c.body(null, (await prov(c).deleteIrs(id.irs)) ? 200 : 204)
    },
  })

  for (const which of ['public_ids', 'private_ids'] as const)
    resource(app, `/irs/:irs/${which}`, {
      get: async (c) => {
        const id = ids(c)
        if (id instanceof Response) return id
        const m = await prov(c).irsMembers(id.irs)
        if (!m) return errorResponse(c, 404, 'no such implicit registration set')
        return c.json({ [which]: which === 'public_ids' ? m.publicIds : m.privateIds })
      },
    })

  // …and from the set: removing a private identity that is not in it is 404 (crest's routes).
  resource(app, '/irs/:irs/private_ids/:impi', association(prov, '404'))

  // ---- service profiles ----
  resource(app, '/irs/:irs/service_profiles', {
    post: async (c) => {
      const bad = await emptyBody(c)
      if (bad) return bad
      const id = ids(c)
      if (id instanceof Response) return id
      const sp = await prov(c).createServiceProfile(id.irs)
      if (!sp) return errorResponse(c, 404, 'no such implicit registration set')
      c.header('Location', `/irs/${id.irs}/service_profiles/${sp}`)
      return c.body(null, 201)
    },
  })

  resource(app, '/irs/:irs/service_profiles/:sp', {
    delete: async (c) => {
      const bad = await emptyBody(c)
      if (bad) return bad
      const id = ids(c)
      if (id instanceof Response) return c.body(null, 204)
      const r = await prov(c).deleteServiceProfile(id.irs, id.sp)
      if (r === 'not-child') return spError(c, r)
      return c.body(null, r === 'ok' ? 200 : 204)
    },
  })

  resource(app, '/irs/:irs/service_profiles/:sp/public_ids', {
    get: async (c) => {
      const id = ids(c)
      if (id instanceof Response) return id
      const r = await prov(c).publicIdsOfServiceProfile(id.irs, id.sp)
      return r.check === 'ok' ? c.json({ public_ids: r.publicIds }) : spError(c, r.check)
    },
  })

  resource(app, '/irs/:irs/service_profiles/:sp/public_ids/:impu', {
    put: async (c) => {
      const id = ids(c)
      if (id instanceof Response) return id
      const text = await c.req.text()
      if (text.trim() === '')
        return errorResponse(c, 400, '(body): a PublicIdentity document is required')
      const r = await prov(c).putPublicId(id.irs, id.sp, pathParam(c, 'impu'), text)
      switch (r.kind) {
        case 'ok':
          return c.body(null, 200)
        case 'bad-xml':
          return errorResponse(c, 400, r.reason)
        case 'identity-mismatch':
          return errorResponse(c, 403, r.reason)
        default:
          return spError(c, r.kind)
      }
    },
    delete: async (c) => {
      const id = ids(c)
      if (id instanceof Response) return id
      const r = await prov(c).deletePublicId(id.irs, id.sp, pathParam(c, 'impu'))
      if (r === 'ok') return c.body(null, 200)
      return r === 'not-child'
        ? errorResponse(
            c,
            403,
            'the public identity is not a child of the service profile in the URL'
          )
        : errorResponse(c, 404, 'no such public identity or service profile')
    },
  })

  resource(app, '/irs/:irs/service_profiles/:sp/filter_criteria', {
    get: async (c) => {
      const id = ids(c)
      if (id instanceof Response) return id
      const r = await prov(c).getFilterCriteria(id.irs, id.sp)
      if (r.check !== 'ok') return spError(c, r.check)
      if (r.xml === undefined) return errorResponse(c, 404, 'no filter criteria are set')
      return c.body(r.xml, 200, { 'content-type': 'application/xml; charset=utf-8' })
    },
    put: async (c) => {
      const id = ids(c)
      if (id instanceof Response) return id
      const text = await c.req.text()
      if (text.trim() === '') return errorResponse(c, 400, '(body): is empty')
      // Trigger patterns must compile for the linear-time matcher within the limits
      // (shared/ims/ifc-pattern.ts); the reason names the element.
      const parsed = parseFilterCriteriaXml(text, 'strict', resolve(c).config.ifcLimits)
      if (!parsed.ok) return errorResponse(c, 400, `${parsed.error.path}: ${parsed.error.message}`)
      const r = await prov(c).putFilterCriteria(id.irs, id.sp, text)
      return r === 'ok' ? c.body(null, 200) : spError(c, r)
    },
  })

  // ---- read-only public id interface ----
  resource(app, '/public/:impu/service_profile', {
    get: async (c) => {
      const loc = await prov(c).locatePublicId(pathParam(c, 'impu'))
      if (!loc) return errorResponse(c, 404, 'no such public identity')
      return c.redirect(`/irs/${loc.irs}/service_profiles/${loc.sp}`, 303)
    },
  })

  resource(app, '/public/:impu/irs', {
    get: async (c) => {
      const loc = await prov(c).locatePublicId(pathParam(c, 'impu'))
      if (!loc) return errorResponse(c, 404, 'no such public identity')
      return c.redirect(`/irs/${loc.irs}`, 303)
    },
  })

  resource(app, '/public/:impu/associated_private_ids', {
    get: async (c) => {
      const impu = pathParam(c, 'impu')
      const priv = await prov(c).privateIdsOfPublicId(impu)
      if (!priv) return errorResponse(c, 404, 'no such public identity')
      return c.json({ public_id: impu, private_ids: priv })
    },
  })

  resource(app, '/public', {
    get: (c) => {
      const q = parseListingQuery(c.req.query())
      if (!q.ok) return errorResponse(c, 400, q.reason)
      const d = resolve(c)
      const stream = listingStream(
        homestead(d).store,
        { ...q.value, pauseMs: d.config.listingPauseMs },
        sleep,
        (err) => d.log.error('public id listing failed', { error: err })
      )
      return c.body(stream, 200, { 'content-type': 'application/json; charset=utf-8' })
    },
  })

  return app
}
