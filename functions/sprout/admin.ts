/**
 * @module sprout/admin
 * Sprout's management and HSS-push interfaces (clearwater-interfaces §5.10, §2.1 "Homestead to
 * Sprout pushes"), in the trusted zone:
 * - `GET /impu/<impu>/bindings` and `/subscriptions`: the AoR's state in Clearwater's JSON shape
 *   (404 when Sprout holds nothing for it);
 * - `DELETE /impu/<impu>[?send-notifications=false]`: administrative deregistration, HSS told
 *   `dereg-admin` (400 when the identity has no registration here);
 * - `DELETE /registrations?send-notifications=true|false` with
 *   `{"registrations":[{"primary-impu","impi"?}]}`: the HSS's RTR; no reqtype goes back;
 * - `PUT /registrations/<impu>` with `{"user-data-xml"}`: the HSS's PPR; subscribers get a
 *   NOTIFY with the new identities;
 * - `GET /admin/transactions?call-id=&method=`: the store round trips recent transactions cost.
 */
import { Hono } from 'hono'
import { z } from 'zod'
import type { FunctionBindings } from '../../shared/http/function-app'
import { pAssociatedUris, parseImsSubscriptionXml } from '../../shared/ims/ims-subscription'
import { DeferredWork } from './deferred-work'
import { planNotifies, sendNotifies } from './reg-event/notifier'
import type { SubscriptionData } from './reg-event/subscription-model'
import { isLive } from './reg-event/subscription-model'
import type { AorState } from './registrar/aor-store'
import { irsOf } from './registrar/irs'
import { RegistrarServices } from './registrar/registrar-services'
import { deregisterAor } from './registrar/registration-effects'
import type { SproutContext, SproutDepsFactory } from './sprout-deps'
import { findTransactions } from './transaction-stats'

const rtrBody = z.object({
  registrations: z
    .array(z.object({ 'primary-impu': z.string().min(1), impi: z.string().optional() }))
    .min(1),
})
const pprBody = z.object({ 'user-data-xml': z.string().min(1) })

async function json<T>(
  c: SproutContext,
  schema: z.ZodType<T>
): Promise<{ ok: true; value: T } | { ok: false; res: Response }> {
  let raw: unknown
  try {
    raw = JSON.parse(await c.req.text())
  } catch {
    return { ok: false, res: c.json({ error: 'bad request', reason: 'body is not JSON' }, 400) }
  }
  const r = schema.safeParse(raw)
  if (r.success) return { ok: true, value: r.data }
  return {
    ok: false,
    res: c.json(
      {
        error: 'bad request',
        reason: r.error.issues
          .map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`)
          .join('; '),
      },
      400
    ),
  }
}

/** The AoR holding `impu`'s registration: itself, or the HSS's default identity of its set. */
async function locate(
  svc: RegistrarServices,
  impu: string
): Promise<{ aor: string; state: AorState<SubscriptionData> } | undefined> {
  const own = await svc.aors.read(impu)
  if (own.bindings.length > 0 || own.subscriptions.length > 0) return { aor: impu, state: own }
  const rd = await svc.deps.hss.getRegData(impu).catch(() => undefined)
  const def = rd?.subscription ? irsOf(rd).defaultImpu : undefined
  if (!def || def === impu) return undefined
  const state = await svc.aors.read(def)
  return state.bindings.length > 0 || state.subscriptions.length > 0
    ? { aor: def, state }
    : undefined
}

function waitUntilOf(c: SproutContext) {
  try {
    const ec = c.executionCtx
    return (p: Promise<unknown>) => ec.waitUntil(p)
  } catch {
    return undefined
  }
}

export function adminRoutes(factory: SproutDepsFactory): Hono<FunctionBindings> {
  const app = new Hono<FunctionBindings>()
  const services = (c: SproutContext, work?: DeferredWork) =>
    new RegistrarServices({
      ...factory(c),
      ...(work ? { defer: (t: () => Promise<unknown>) => work.add(t) } : {}),
    })

  app.get('/impu/:impu/bindings', async (c) => {
    const svc = services(c)
    const found = await locate(svc, c.req.param('impu'))
    if (!found || found.state.bindings.length === 0) return c.json({ error: 'not found' }, 404)
    const bindings: Record<string, unknown> = {}
    for (const b of found.state.bindings)
      bindings[b.id] = {
        uri: b.data.uri,
        cid: b.data.cid,
        cseq: b.data.cseq,
        expires: Math.round(b.expires),
        priority: b.data.q ? Math.round(Number(b.data.q) * 1000) : 0,
        params: Object.fromEntries(b.data.params.map(([k, v]) => [k, v ?? ''])),
        paths: b.data.paths,
        timer_id: 'Deprecated',
        private_id: b.data.impi,
        emergency_reg: b.data.emergency === true,
        // Edgewater: the guarded version the expiry timer carries (binding-model.ts).
        version: b.cseq,
      }
    return c.json({ aor: found.aor, bindings })
  })

  app.get('/impu/:impu/subscriptions', async (c) => {
    const svc = services(c)
    const found = await locate(svc, c.req.param('impu'))
    const live = found?.state.subscriptions.filter((s) => isLive(s, svc.nowMs)) ?? []
    if (!found || live.length === 0) return c.json({ error: 'not found' }, 404)
    const subscriptions: Record<string, unknown> = {}
    for (const s of live)
      subscriptions[s.tag] = {
        req_uri: s.data.reqUri,
        from_uri: s.data.fromUri,
        from_tag: s.data.fromTag,
        to_uri: s.data.toUri,
        to_tag: s.data.toTag,
        cid: s.data.cid,
        routes: s.data.routes,
        expires: Math.round(s.data.expiresAt),
        notify_cseq: s.cseq,
        timer_id: 'Deprecated',
      }
    return c.json({ aor: found.aor, subscriptions })
  })

  app.delete('/impu/:impu', async (c) => {
    const work = new DeferredWork(c.get('services').log)
    const svc = services(c, work)
    const found = await locate(svc, c.req.param('impu'))
    if (!found || found.state.bindings.length === 0)
      return c.json({ error: 'not registered here' }, 400)
    const notify = c.req.query('send-notifications') !== 'false'
    const removed = await deregisterAor(svc, found.aor, {
      reqtype: 'dereg-admin',
      notify,
      event: 'deactivated',
    })
    await work.settle(waitUntilOf(c))
    return c.json({ aor: found.aor, removed })
  })

  app.delete('/registrations', async (c) => {
    const q = c.req.query('send-notifications')
    if (q !== undefined && q !== 'true' && q !== 'false')
      return c.json(
        { error: 'bad request', reason: 'send-notifications: must be true or false' },
        400
      )
    const body = await json(c, rtrBody)
    if (!body.ok) return body.res
    const work = new DeferredWork(c.get('services').log)
    const svc = services(c, work)
    let removed = 0
    for (const r of body.value.registrations) {
      const found = await locate(svc, r['primary-impu'])
      if (found)
        removed += await deregisterAor(svc, found.aor, {
          notify: q !== 'false',
          event: 'deactivated',
        })
    }
    await work.settle(waitUntilOf(c))
    return c.json({ removed })
  })

  app.put('/registrations/:impu', async (c) => {
    const body = await json(c, pprBody)
    if (!body.ok) return body.res
    const sub = parseImsSubscriptionXml(body.value['user-data-xml'])
    if (!sub.ok)
      return c.json(
        { error: 'bad request', reason: `user-data-xml: ${sub.error.path}: ${sub.error.message}` },
        400
      )
    const svc = services(c)
    const found = await locate(svc, c.req.param('impu'))
    if (!found) return c.json({ notified: 0 })
    const now = svc.nowMs
    const live = found.state.subscriptions.filter((s) => isLive(s, now))
    const planned = planNotifies(
      live,
      { identities: pAssociatedUris(sub.value), bindings: found.state.bindings },
      now
    )
    const outcomes = await svc.aors.write(found.aor, {
      subscriptions: planned.map((p) => p.record),
    })
    const sendable = planned.filter((p) => outcomes[`s:${p.record.tag}`] === 'written')
    const { sender, region, log } = svc.deps
    await sendNotifies(sendable, {
      sender,
      aors: svc.aors,
      aor: found.aor,
      region,
      nowMs: now,
      log,
    })
    return c.json({ notified: sendable.length })
  })

  app.get('/admin/transactions', (c) =>
    c.json({
      transactions: findTransactions({
        ...(c.req.query('call-id') ? { callId: c.req.query('call-id')! } : {}),
        ...(c.req.query('method') ? { method: c.req.query('method')! } : {}),
        ...(c.req.query('limit') ? { limit: Number(c.req.query('limit')) } : {}),
      }),
    })
  )

  return app
}
