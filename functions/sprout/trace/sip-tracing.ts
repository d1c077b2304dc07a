/**
 * @module sprout/trace/sip-tracing
 * Sprout's part in call traces (docs/operations.md#traces). For each message on `POST /sip` it
 * finds the call's trace (the hop's `traceparent`, else the Call-ID's), decides whether to keep
 * it (TRACE_ALL, the sampling rate, a flagged subscriber of an initial request, a failure),
 * records the message if no tracing component sent it (an application server), records every
 * SIP message Sprout sends (to the edge, an application server, the other region's Sprout) and
 * every internal HTTP call made for it (Ralf, Dime, Homer), puts `traceparent`/`tracestate` on
 * all of those, and answers the hop with its `traceparent` so the edge learns the decision.
 * What the handling produced for a kept trace is written in one store operation after the
 * hop's answer (`waitUntil`), or before it where the runtime has none (Lambda). An unkept
 * trace costs no store operation: its notes stay in the isolate's buffer (trace-buffer.ts).
 */
import type { FunctionName, Region } from '../../../shared/config/regions'
import type { Fetch } from '../../../shared/hop/fetch'
import { FLOW_VIA_PARAM } from '../../../shared/hop/internal-addresses'
import type { HopResult } from '../../../shared/hop/sip-over-http'
import { exportSpans } from '../../../shared/http/otlp-export'
import type { SipMessage, SipRequest, SipResponse } from '../../../shared/sip'
import { getParam } from '../../../shared/sip/params'
import { type HopTrace, HopTracer } from '../../../shared/trace/hop-tracer'
import { partyOfHost } from '../../../shared/trace/parties'
import { type TraceConfig, traceConfig } from '../../../shared/trace/trace-config'
import { identitiesOfText } from '../../../shared/trace/trace-record'
import {
  formatTraceparent,
  TRACEPARENT_HEADER,
  TRACESTATE_HEADER,
} from '../../../shared/trace/traceparent'
import { TableTraceStore } from '../../../shared/vellum/trace-store'
import type { SipSender } from '../sip-sender'
import type { SproutContext, SproutDeps } from '../sprout-deps'
import { FlagSnapshot } from './flag-snapshot'

interface IsolateTracing {
  cfg: TraceConfig
  tracer: HopTracer
  flags: FlagSnapshot
}

/** One per isolate and region (the buffer must outlive a request). */
const isolates = new Map<string, IsolateTracing>()

function isolateFor(c: SproutContext, deps: SproutDeps): IsolateTracing {
  const key = deps.region
  let t = isolates.get(key)
  if (!t) {
    const cfg = traceConfig((c.env ?? {}) as Record<string, unknown>)
    t = {
      cfg,
      tracer: new HopTracer(cfg, {
        component: 'sprout',
        region: deps.region,
        party: `sprout-${deps.region}`,
        now: () => deps.clock.now(),
        random: (b) => crypto.getRandomValues(b),
      }),
      flags: new FlagSnapshot(cfg.flagsRefreshMs),
    }
    isolates.set(key, t)
  }
  return t
}

/** Runs `p` after the hop's answer where the runtime allows it, else awaits it. */
async function offPath(c: SproutContext, p: () => Promise<void>): Promise<void> {
  let ec: { waitUntil(p: Promise<unknown>): void } | undefined
  try {
    ec = c.executionCtx
  } catch {
    ec = undefined
  }
  if (ec) ec.waitUntil(p())
  else await p()
}

/** Reloads this isolate's per-IMPU flags (the ops API's notice, `POST /trace/flags`). */
export async function reloadTraceFlags(c: SproutContext, deps: SproutDeps): Promise<number> {
  const iso = isolateFor(c, deps)
  const store = new TableTraceStore(deps.vellum.table, deps.clock)
  let count = 0
  await iso.flags.load(async () => {
    const list = await store.flags()
    count = list.length
    return list
  }, deps.clock.now())
  return count
}

/** The party a URL of the deployment stands for (`ralf-a` for Ralf's paths on Dime). */
function partyOfUrl(
  url: string,
  urls: Record<Region, Record<FunctionName, string>> | undefined
): string {
  for (const region of Object.keys(urls ?? {}) as Region[])
    for (const [fn, base] of Object.entries(urls?.[region] ?? {}))
      if (url.startsWith(base)) {
        const path = url.slice(base.length)
        return fn === 'dime' && path.startsWith('/call-id/') ? `ralf-${region}` : `${fn}-${region}`
      }
  try {
    return `ext:${new URL(url).host}`
  } catch {
    return 'ext:unknown'
  }
}

function targetOfResponse(res: SipResponse): string {
  const via = res.topVia
  return partyOfHost(via.host, getParam(via.params, FLOW_VIA_PARAM) ?? null)
}

function targetOfRequest(req: SipRequest): string {
  const route = req.get('route')
  const uri = route ? route.uri : req.uri
  return uri.kind === 'sip' ? partyOfHost(uri.host, uri.user) : `ext:${uri.kind}`
}

export interface SipTrace {
  /** `sender` with every message it sends recorded and carrying the trace headers. */
  sender(base: SipSender): SipSender
  /** Wraps the outbound fetch of internal HTTP calls made for this message. */
  wrapFetch(base: Fetch): Fetch
  /** Sets the hop answer's `traceparent` and writes the kept records (off the answer's path). */
  finish(): Promise<void>
}

/** Begins the trace of `msg` (its text `text`) arriving on `/sip`. */
export function startSipTrace(
  c: SproutContext,
  deps: SproutDeps,
  msg: SipMessage,
  text: string
): SipTrace {
  const iso = isolateFor(c, deps)
  const now = deps.clock.now()
  const initial = msg.kind === 'request' && !msg.toTag && msg.method !== 'REGISTER'
  if (initial && iso.flags.due(now)) {
    const store = new TableTraceStore(deps.vellum.table, deps.clock)
    void offPath(c, () =>
      iso.flags
        .load(() => store.flags(), now)
        .catch((err) => {
          deps.log.warn('trace flags unreadable', { error: String(err) })
        })
    )
  }
  // A flagged subscriber's call is kept on every request of it, in dialog too (a keep passed
  // between hops lasts TRACE_KEEP_MS only).
  const flagged =
    msg.kind === 'request' &&
    msg.method !== 'REGISTER' &&
    iso.flags.any &&
    iso.flags.flagged(identitiesOfText(text), now)
  const t: HopTrace = iso.tracer.begin(
    msg.callId,
    {
      traceparent: c.req.header(TRACEPARENT_HEADER) ?? null,
      tracestate: c.req.header(TRACESTATE_HEADER) ?? null,
    },
    flagged
  )
  // A request names its sender in its top Via; a response's top Via is Sprout's own, and one no
  // tracing component sent comes from an application server.
  const top = msg.topVia
  const from =
    msg.kind === 'request'
      ? partyOfHost(top.host, getParam(top.params, FLOW_VIA_PARAM) ?? null)
      : 'as:server'
  iso.tracer.received(t, from, text)
  const urls = c.get('services')?.env?.FUNCTION_URLS
  const tracer = iso.tracer
  return {
    sender(base) {
      const learn = (r: HopResult) => {
        if (r.ok) tracer.learn(t, r.traceparent)
        return r
      }
      return {
        respond: (res, headers) => {
          tracer.sent(t, targetOfResponse(res), res.toString())
          return base.respond(res, { ...headers, ...tracer.headers(t) }).then(learn)
        },
        request: (req, headers) => {
          tracer.sent(t, targetOfRequest(req), req.toString())
          return base.request(req, { ...headers, ...tracer.headers(t) }).then(learn)
        },
      }
    },
    wrapFetch(base) {
      return async (url, init) => {
        const headers = new Headers(init.headers)
        for (const [k, v] of Object.entries(tracer.headers(t))) headers.set(k, v)
        const res = await base(url, { ...init, headers })
        let path = url
        try {
          path = new URL(url).pathname
        } catch {
          // keep the URL as it is
        }
        tracer.called(t, partyOfUrl(url, urls), `${init.method ?? 'GET'} ${path} ${res.status}`)
        return res
      }
    },
    async finish() {
      if (tracer.answerSampled(t))
        c.header(
          TRACEPARENT_HEADER,
          formatTraceparent({ traceId: t.traceId, spanId: t.spanId, sampled: true })
        )
      const records = tracer.take()
      if (records.length === 0) return
      const store = new TableTraceStore(deps.vellum.table, deps.clock)
      await offPath(c, async () => {
        await store.write(records, iso.cfg.ttlSeconds).catch((err) => {
          deps.log.warn('trace not written', { error: String(err), callId: t.callId })
        })
        if (iso.cfg.otlpUrl)
          await exportSpans(iso.cfg.otlpUrl, records, (u, i) => fetch(u, i), deps.log)
      })
    },
  }
}
