/**
 * @module dime/public-listing
 * `GET /public/?excludeuuids=&chunk-proportion=N&chunk=M` (crest public.py AllPublicIDsHandler):
 * the identity ring is cut into N chunks; with `chunk` only that one is listed, otherwise all of
 * them in order, streamed, with a space and a pause between chunks so a full listing never
 * hogs the stores (Clearwater pauses 1 s per chunk). Dime's ring is the FNV-1a hash of the
 * public id (dime-keys.ts); each chunk is a range query over the listing partitions it spans.
 * Without `excludeuuids=true` every entry also names its service profile and IRS.
 */
import { DEFAULT_LISTING_CHUNKS } from './dime-config'
import { hex8 } from './dime-keys'
import type { SubscriberStore } from './subscriber-store'

const RING = 2 ** 32

export interface ListingOptions {
  chunks: number
  /** Only this chunk (0-based); all of them when undefined. */
  chunk?: number
  excludeUuids: boolean
  pauseMs: number
}

export type ListingParse =
  | { ok: true; value: Omit<ListingOptions, 'pauseMs'> }
  | { ok: false; reason: string }

/** Reads the query parameters; errors name the parameter. */
export function parseListingQuery(q: Record<string, string | undefined>): ListingParse {
  const rawN = q['chunk-proportion']
  const chunks = rawN === undefined || rawN === '' ? DEFAULT_LISTING_CHUNKS : Number(rawN)
  if (!Number.isInteger(chunks) || chunks < 1 || chunks > RING)
    return { ok: false, reason: `chunk-proportion: must be a positive integer, got "${rawN}"` }
  const rawM = q.chunk
  let chunk: number | undefined
  if (rawM !== undefined && rawM !== '') {
    chunk = Number(rawM)
    if (!Number.isInteger(chunk) || chunk < 0 || chunk >= chunks)
      return {
        ok: false,
        reason: `chunk: must be an integer from 0 to ${chunks - 1}, got "${rawM}"`,
      }
  }
  const ex = q.excludeuuids
  if (ex !== undefined && ex !== 'true' && ex !== 'false')
    return { ok: false, reason: `excludeuuids: must be true or false, got "${ex}"` }
  return {
    ok: true,
    value: { chunks, ...(chunk !== undefined ? { chunk } : {}), excludeUuids: ex === 'true' },
  }
}

/** Ring range [start, end) of chunk `m` of `n`. */
export function chunkRange(m: number, n: number): [number, number] {
  return [Math.floor((m * RING) / n), Math.floor(((m + 1) * RING) / n)]
}

/** Public ids whose ring position is in [start, end), in ring order. */
export async function idsInRange(
  store: SubscriberStore,
  start: number,
  end: number
): Promise<string[]> {
  if (end <= start) return []
  const out: string[] = []
  for (let p = start >>> 24; p <= (end - 1) >>> 24; p++) {
    const from = Math.max(start, p * 2 ** 24)
    const to = Math.min(end - 1, (p + 1) * 2 ** 24 - 1)
    out.push(...(await store.listingRange(p, hex8(from), hex8(to))))
  }
  return out
}

async function entries(store: SubscriberStore, ids: string[], excludeUuids: boolean) {
  if (excludeUuids) return ids.map((id) => JSON.stringify({ public_id: id }))
  const out: string[] = []
  for (let i = 0; i < ids.length; i += 16) {
    const recs = await Promise.all(ids.slice(i, i + 16).map((id) => store.getPublicId(id)))
    recs.forEach((r, j) => {
      out.push(JSON.stringify({ public_id: ids[i + j], sp: r?.sp ?? null, irs: r?.irs ?? null }))
    })
  }
  return out
}

/** The listing as a stream of JSON text: `{"public_ids": [ … ]}`. */
export function listingStream(
  store: SubscriberStore,
  opts: ListingOptions,
  sleep: (ms: number) => Promise<void>
): ReadableStream<Uint8Array> {
  const enc = new TextEncoder()
  const chunkIds = opts.chunk !== undefined ? [opts.chunk] : [...Array(opts.chunks).keys()]
  let next = 0
  let first = true
  let opened = false
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (!opened) {
        opened = true
        controller.enqueue(enc.encode('{"public_ids": ['))
        return
      }
      if (next >= chunkIds.length) {
        controller.enqueue(enc.encode(']}'))
        controller.close()
        return
      }
      if (next > 0) {
        // Keep the connection visibly alive, then pause (not before the first chunk).
        controller.enqueue(enc.encode(' '))
        await sleep(opts.pauseMs)
      }
      const [start, end] = chunkRange(chunkIds[next] as number, opts.chunks)
      next++
      const items = await entries(store, await idsInRange(store, start, end), opts.excludeUuids)
      if (items.length) {
        controller.enqueue(enc.encode((first ? '' : ',') + items.join(',')))
        first = false
      }
    },
  })
}
