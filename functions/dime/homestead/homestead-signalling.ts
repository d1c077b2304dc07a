/**
 * @module dime/homestead/homestead-signalling
 * Homestead's signalling API for Sprout (clearwater-interfaces §2.1; homestead
 * src/http_handlers.cpp): `/impi/<impi>/av[/digest|/aka|/aka2]`, the legacy
 * `/impi/<impi>/digest`, `/impi/<impi>/registration-status`, `/impu/<impu>/location` and
 * `GET|PUT /impu/<impu>/reg-data`, plus `/ping`. Identities are URL-escaped in the path. Every
 * route is in the trusted zone (app.ts). Handlers parse and answer; shared/homestead's
 * hss-queries.ts and reg-data-service.ts hold the logic, which Sprout also runs in process.
 */
import { Hono } from 'hono'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import { z } from 'zod'
import type { AvScheme, HssAnswer } from '../../../shared/homestead/hss-queries'
import { type RegDataOutcome, regDataXml } from '../../../shared/homestead/reg-data-service'
import { REG_DATA_REQTYPES } from '../../../shared/homestead/registration-state'
import type { FunctionBindings } from '../../../shared/http/function-app'
import type { DepsResolver, DimeContext } from '../dime-deps'
import { dimeErrorHandler, homestead } from '../dime-services'
import { errorResponse, parseJsonBody, pathParam, resource } from '../http-util'

const AUTH_TYPES = ['REG', 'DEREG', 'CAPAB'] as const

const regDataBody = z.object({
  reqtype: z.enum(REG_DATA_REQTYPES, {
    error: `must be one of ${REG_DATA_REQTYPES.join(', ')}`,
  }),
  server_name: z.string().optional(),
  wildcard_identity: z.string().optional(),
})

function reply(c: DimeContext, a: HssAnswer) {
  return a.status === 200 ? c.json(a.body, 200) : errorResponse(c, a.status, a.reason)
}

function authType(c: DimeContext): { ok: true; value?: string } | { ok: false; reason: string } {
  const v = c.req.query('auth-type')
  if (v === undefined || v === '') return { ok: true }
  if ((AUTH_TYPES as readonly string[]).includes(v)) return { ok: true, value: v }
  return { ok: false, reason: `auth-type: must be one of ${AUTH_TYPES.join(', ')}, got "${v}"` }
}

export function homesteadSignalling(resolve: DepsResolver): Hono<FunctionBindings> {
  const app = new Hono<FunctionBindings>()
  app.onError(dimeErrorHandler)

  resource(app, '/ping', { get: (c) => c.text('OK') })

  // MAR: the bare `av` lets the HSS pick the scheme; aka/aka2 ask for AKAv1/AKAv2.
  const av = (scheme: AvScheme) => async (c: DimeContext) =>
    reply(
      c,
      await homestead(resolve(c)).hss.authVector(
        pathParam(c, 'impi'),
        scheme,
        c.req.query('impu') || undefined
      )
    )
  resource(app, '/impi/:impi/av', { get: av('av') })
  resource(app, '/impi/:impi/av/:scheme', {
    get: (c) => {
      const s = pathParam(c, 'scheme')
      if (s !== 'digest' && s !== 'aka' && s !== 'aka2')
        return errorResponse(c, 404, `unknown authentication scheme "${s}"`)
      return av(s)(c)
    },
  })

  // Legacy digest query: `?public_id=` and `{"digest_ha1": …}`.
  resource(app, '/impi/:impi/digest', {
    get: async (c) =>
      reply(
        c,
        await homestead(resolve(c)).hss.legacyDigest(
          pathParam(c, 'impi'),
          c.req.query('public_id') || undefined
        )
      ),
  })

  // UAR (I-CSCF).
  resource(app, '/impi/:impi/registration-status', {
    get: async (c) => {
      const at = authType(c)
      if (!at.ok) return errorResponse(c, 400, at.reason)
      const vn = c.req.query('visited-network')
      return reply(
        c,
        await homestead(resolve(c)).hss.registrationStatus(
          pathParam(c, 'impi'),
          c.req.query('impu') || undefined,
          { ...(vn ? { visitedNetwork: vn } : {}), ...(at.value ? { authType: at.value } : {}) }
        )
      )
    },
  })

  // LIR (I-CSCF).
  resource(app, '/impu/:impu/location', {
    get: async (c) => {
      const at = authType(c)
      if (!at.ok) return errorResponse(c, 400, at.reason)
      return reply(
        c,
        await homestead(resolve(c)).hss.location(pathParam(c, 'impu'), {
          ...(at.value ? { authType: at.value } : {}),
        })
      )
    },
  })

  // SAR and the registration state machine.
  const xml = (c: DimeContext, body: string, status: ContentfulStatusCode = 200) =>
    c.body(body, status, { 'content-type': 'application/xml; charset=utf-8' })
  const regDataReply = (c: DimeContext, out: RegDataOutcome) =>
    out.status === 200
      ? xml(c, regDataXml(out.data, resolve(c).config.chargingAddresses))
      : errorResponse(c, out.status, out.reason)
  resource(app, '/impu/:impu/reg-data', {
    get: async (c) => {
      const impi = c.req.query('private_id')
      const out = await homestead(resolve(c)).regData.get(pathParam(c, 'impu'), impi || undefined)
      return regDataReply(c, out)
    },
    put: async (c) => {
      const body = parseJsonBody(await c.req.text(), regDataBody)
      if (!body.ok) return errorResponse(c, 400, body.reason)
      const impi = c.req.query('private_id')
      const out = await homestead(resolve(c)).regData.put(pathParam(c, 'impu'), {
        type: body.value.reqtype,
        ...(impi ? { impi } : {}),
        ...(body.value.server_name ? { serverName: body.value.server_name } : {}),
        ...(body.value.wildcard_identity ? { wildcardIdentity: body.value.wildcard_identity } : {}),
        noCache: /no-cache/i.test(c.req.header('cache-control') ?? ''),
      })
      return regDataReply(c, out)
    },
  })

  return app
}
