/**
 * @module sprout/test-as/register-as
 * A minimal application server for the local cloud's tests (enabled only with
 * `SPROUT_TEST_AS=1`), mounted on Sprout at `/test-as/sip` in the trusted zone and named through
 * `AS_URLS` (e.g. `test` → `…/test-as/sip`, `test-fail` → `…/test-as/sip?mode=fail`). It takes
 * third-party REGISTERs like any AS on the internal hop: it records each (served identity,
 * Expires, Content-Type, body) in the regional KV and answers along the Via, 200 OK, or 503 in
 * `fail` mode. `GET /test-as/received?impu=` lists what it got for an identity.
 */
import { Hono } from 'hono'
import type { FunctionBindings } from '../../../shared/http/function-app'
import { type SipRequest, tryParseMessage } from '../../../shared/sip'
import { canonicalImpu } from '../registrar/identities'
import { respondTo } from '../sip-build'
import type { SproutDepsFactory } from '../sprout-deps'

export interface TestAsRecord {
  method: string
  to: string
  expires: number | null
  contentType: string
  body: string
  mode: string
  at: number
}

const key = (impu: string) => `test-as:${impu}`
const KEEP_SECONDS = 900

export function testAsRoutes(factory: SproutDepsFactory): Hono<FunctionBindings> {
  const app = new Hono<FunctionBindings>()
  // Scoped to its own paths: a sub-app's `*` middleware would run for every Sprout route.
  app.use('/test-as/*', async (c, next) => {
    const deps = factory(c)
    if (deps.config.SPROUT_TEST_AS !== '1') return c.json({ error: 'not found' }, 404)
    await next()
  })

  app.post('/test-as/sip', async (c) => {
    const deps = factory(c)
    const parsed = tryParseMessage(await c.req.text())
    if (!parsed.ok) return c.json({ error: 'malformed SIP' }, 400)
    if (parsed.value.kind !== 'request') return c.body(null, 202)
    const req: SipRequest = parsed.value
    const mode = c.req.query('mode') ?? 'ok'
    const to = canonicalImpu(req.to.uri) ?? ''
    const now = deps.clock.now()
    const rec: TestAsRecord = {
      method: req.method,
      to,
      expires: req.get('expires') ?? null,
      contentType: req.getRaw('content-type') ?? '',
      body: req.body,
      mode,
      at: now,
    }
    await deps.vellum.kv.hsetIfNewer(
      key(to),
      `${req.callId}:${req.cseq.seq}`,
      { cseq: now, expires: now / 1000 + KEEP_SECONDS, data: rec },
      { graceSeconds: 10 }
    )
    const res =
      mode === 'fail' ? respondTo(req, 503, 'Service Unavailable') : respondTo(req, 200, 'OK')
    await deps.sender.respond(res)
    return c.body(null, 202)
  })

  app.get('/test-as/received', async (c) => {
    const impu = c.req.query('impu') ?? ''
    const fields = await factory(c).vellum.kv.hgetLive<TestAsRecord>(key(impu))
    const received = Object.values(fields)
      .map((r) => r.data)
      .sort((a, b) => a.at - b.at)
    return c.json({ received })
  })
  return app
}
