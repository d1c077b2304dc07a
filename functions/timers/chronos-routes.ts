/**
 * @module timers/chronos-routes
 * The Chronos client API (clearwater-interfaces §4.1, §12.5) on the timers function, for the
 * trusted zone: `POST /timers` creates (server-chosen id), `PUT /timers/<id>` replaces or
 * creates with that id, `DELETE /timers/<id>` removes (idempotent). Success is 200 with
 * `Location: /timers/<16 hex>-<rf>`; a bad body is 400 with the reason; a malformed id is 404;
 * POST to an id or PUT/DELETE to the collection is 405; a store outage is 503.
 */
import type { Context } from 'hono'
import type { FunctionApp, FunctionBindings } from '../../shared/http/function-app'
import { createVellum, parseTimerId, StoreError, Unavailable } from '../../shared/vellum'
import { parseChronosBody } from './chronos-body'
import { chronosLimits, timerOptions } from './timers-config'

function storeFailure(c: Context<FunctionBindings>, err: unknown): Response {
  if (err instanceof Unavailable) {
    c.get('services').log.warn('timer store unavailable', { error: err.message })
    return c.text(`timer store unavailable: ${err.message}`, 503)
  }
  if (err instanceof StoreError) return c.text(err.message, 400)
  throw err
}

async function write(c: Context<FunctionBindings>, id: string | undefined): Promise<Response> {
  const parsed = parseChronosBody(await c.req.text(), chronosLimits(c.env))
  if (!parsed.ok) return c.text(parsed.error, 400)
  const v = createVellum(c.get('services'), timerOptions(c.env))
  try {
    const created = id ? await v.timers.update(id, parsed.spec) : await v.timers.set(parsed.spec)
    c.header('Location', `/timers/${created}`)
    return c.body(null, 200)
  } catch (err) {
    return storeFailure(c, err)
  }
}

export function registerChronosRoutes(app: FunctionApp): void {
  app.post('/timers', (c) => write(c, undefined))

  app.put('/timers/:id{.+}', (c) => {
    const id = parseTimerId(c.req.param('id'))
    return id ? write(c, id) : c.text('no such timer', 404)
  })

  app.delete('/timers/:id{.+}', async (c) => {
    const id = parseTimerId(c.req.param('id'))
    if (!id) return c.text('no such timer', 404)
    try {
      await createVellum(c.get('services')).timers.delete(id)
      return c.body(null, 200)
    } catch (err) {
      return storeFailure(c, err)
    }
  })

  const notAllowed = (allow: string) => (c: Context<FunctionBindings>) => {
    c.header('Allow', allow)
    return c.text('method not allowed', 405)
  }
  app.post('/timers/:id{.+}', notAllowed('PUT, DELETE'))
  app.on(['PUT', 'DELETE'], '/timers', notAllowed('POST'))
}
