/**
 * @module homer/xcap-owner
 * Owner-region writes of XCAP documents (docs/geo-redundancy.md). The global table replicates
 * each item on its own, last writer wins, and checks a condition against the local replica only;
 * two regions could both accept a PUT with the same `If-Match` inside the replication window and
 * one of them would vanish without its editor knowing. So every document has a home region, a
 * hash of its XUI (`keys.shardOf`), and that region runs its writes: a PUT or DELETE arriving
 * elsewhere is authorised there, then sent on to the home region's Homer as a signed internal
 * request carrying the same method, path, body and preconditions, and its answer is passed back
 * as it is. The home region evaluates `If-Match` / `If-None-Match` against the only replica that
 * is ever written, so of two editors racing from one ETag, from any regions, exactly one wins and
 * the other gets 412 (RFC 4825 §7.11). When the home region does not answer, the write is 503
 * with Retry-After for a conditional write: nothing is lost and the editor retries. A write
 * without preconditions asks for last writer wins, which the table gives across regions too, so
 * when the home region does not answer it runs where it arrives (Ellis's default document for a
 * new number is one: it needs no peer during a partition).
 * Reads stay local. Before answering a forwarded write, this region waits (up to 2 s) until its
 * replica shows the write, so an editor reading back from the region it wrote through sees its
 * own write; a reader elsewhere may see the previous version for the replication delay.
 */
import { type FunctionUrls, REGIONS, type Region } from '../../shared/config/regions'
import type { Fetch } from '../../shared/hop/fetch'
import type { HopSecret } from '../../shared/hop/signature'
import { type SignedRequestInit, signedFetch } from '../../shared/hop/signed-fetch'
import type { Logger } from '../../shared/log/logger'
import { shardOf } from '../../shared/vellum/keys'

/** The header a region's Homer adds to a write it sends to the document's home region. */
export const FORWARDED_BY_HEADER = 'x-edgewater-forwarded-by'

/** Default deadline (ms) of a write sent to the home region. */
export const DEFAULT_OWNER_TIMEOUT_MS = 3_000
/** Retry-After (s) of the 503 when the home region does not answer. */
export const OWNER_RETRY_AFTER_S = 5
/**
 * Default longest wait (ms), after the home region accepted a forwarded write, for the write to
 * replicate here before answering, so an editor who reads back from this region sees it.
 */
export const DEFAULT_READ_YOUR_WRITES_MS = 2_000
const POLL_MS = 100

export interface OwnerWrites {
  region: Region
  urls: FunctionUrls
  hopSecret: HopSecret
  log: Logger
  fetch?: Fetch
  timeoutMs?: number
  /**
   * This region's current ETag of a document (undefined: absent), to wait for a forwarded write
   * to replicate here; without it the answer is passed back at once.
   */
  localEtag?: (xui: string) => Promise<string | undefined>
  /** Longest such wait (default {@link DEFAULT_READ_YOUR_WRITES_MS}; 0 does not wait). */
  readYourWritesMs?: number
}

/** The region that writes `xui`'s documents. */
export function documentHome(xui: string): Region {
  return REGIONS[shardOf(xui, REGIONS.length)]!
}

/**
 * Whether this region must send a write on: this region is not the document's home, and the
 * write did not come from the other region already.
 */
export function mustForward(
  o: OwnerWrites | undefined,
  xui: string,
  forwardedBy: string | null
): o is OwnerWrites {
  return o !== undefined && forwardedBy === null && documentHome(xui) !== o.region
}

const PASSED_HEADERS = ['content-type', 'if-match', 'if-none-match']
const PASSED_BACK = ['content-type', 'etag', 'retry-after']

/**
 * Sends a document write to its home region and returns that region's answer. When the home
 * region does not answer: 503 for a conditional write, undefined for one without preconditions
 * (the caller then writes it here, last writer wins).
 */
export async function forwardWrite(
  o: OwnerWrites,
  xui: string,
  method: string,
  url: URL,
  headers: Headers,
  body: Uint8Array,
  conditional: boolean
): Promise<Response | undefined> {
  const home = documentHome(xui)
  const target = `${o.urls[home].homer.replace(/\/+$/, '')}${url.pathname}${url.search}`
  const out: Record<string, string> = { [FORWARDED_BY_HEADER]: o.region }
  for (const h of PASSED_HEADERS) {
    const v = headers.get(h)
    if (v !== null) out[h] = v
  }
  const init: SignedRequestInit = {
    method,
    headers: out,
    signal: AbortSignal.timeout(o.timeoutMs ?? DEFAULT_OWNER_TIMEOUT_MS),
    ...(method === 'PUT' ? { body: new Uint8Array(body) } : {}),
  }
  let res: Response
  try {
    res = await signedFetch(o.fetch ?? ((u, i) => fetch(u, i)), o.hopSecret, target, init)
  } catch (err) {
    o.log.warn('XCAP write: the home region did not answer', {
      xui,
      home,
      error: err instanceof Error ? err.message : String(err),
    })
    if (!conditional) return undefined
    // The same JSON error body as xcap-handlers.ts's errorResponse.
    return new Response(
      JSON.stringify({
        error: 'unavailable',
        reason: `region ${home}, which writes this user's documents, is unreachable; retry later`,
      }),
      {
        status: 503,
        headers: { 'content-type': 'application/json', 'retry-after': String(OWNER_RETRY_AFTER_S) },
      }
    )
  }
  const back = new Headers()
  for (const h of PASSED_BACK) {
    const v = res.headers.get(h)
    if (v !== null) back.set(h, v)
  }
  const text = res.status === 204 || res.status === 304 ? null : await res.text()
  o.log.info('XCAP write done by the home region', { xui, home, status: res.status })
  if (res.ok) await untilReplicated(o, xui, method === 'DELETE' ? undefined : back.get('etag'))
  return new Response(text, { status: res.status, headers: back })
}

/**
 * Waits (bounded) until this region's replica shows the home region's write, so the editor's
 * next read here returns what it just wrote. Past the bound the answer goes anyway: the write is
 * done, only this replica is late.
 */
async function untilReplicated(
  o: OwnerWrites,
  xui: string,
  etag: string | null | undefined
): Promise<void> {
  const limit = o.readYourWritesMs ?? DEFAULT_READ_YOUR_WRITES_MS
  if (!o.localEtag || limit <= 0 || etag === null) return
  const deadline = Date.now() + limit
  for (;;) {
    if ((await o.localEtag(xui)) === etag) return
    if (Date.now() >= deadline) {
      o.log.info('XCAP write not yet replicated here; answering anyway', { xui })
      return
    }
    await new Promise((r) => setTimeout(r, POLL_MS))
  }
}
