/**
 * @module dime/prov/public-listing
 * `GET /public/?excludeuuids=&chunk-proportion=N&chunk=M` (crest public.py AllPublicIDsHandler):
 * the identity ring is cut into N chunks; with `chunk` only that one is listed, otherwise all of
 * them in order, streamed, with a space and a pause between chunks so a full listing never
 * hogs the stores (Clearwater pauses 1 s per chunk). Dime's ring is the FNV-1a hash of the
 * public id (dime-keys.ts); each chunk is one range query per listing partition it spans (one,
 * unless there are fewer than 16 chunks). Without `excludeuuids=true` every entry also names
 * its service profile and IRS, read from the same listing item.
 */

import {
  hex8,
  LISTING_PARTITION_SPAN,
  listingPartitionOf,
} from '../../../shared/homestead/homestead-keys'
import type { ListingEntry, SubscriberStore } from '../../../shared/homestead/subscriber-store'
import { DEFAULT_LISTING_CHUNKS } from '../dime-config'

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

/** Listing entries whose ring position is in [start, end), in ring order. */
export async function idsInRange(
  store: SubscriberStore,
  start: number,
  end: number
): Promise<ListingEntry[]> {
  if (end <= start) return []
  const out: ListingEntry[] = []
  for (let p = listingPartitionOf(start); p <= listingPartitionOf(end - 1); p++) {
    const from = Math.max(start, p * LISTING_PARTITION_SPAN)
    const to = Math.min(end - 1, (p + 1) * LISTING_PARTITION_SPAN - 1)
    out.push(...(await store.listingRange(p, hex8(from), hex8(to))))
  }
  return out
}

function entries(list: ListingEntry[], excludeUuids: boolean): string[] {
  return list.map((e) =>
    JSON.stringify(
      excludeUuids ? { public_id: e.impu } : { public_id: e.impu, sp: e.sp, irs: e.irs }
    )
  )
}

/**
 * The listing as a stream of JSON text: `{"public_ids": [ … ]}`. The producer starts at once
 * (in the request's context) and writes into a TransformStream; store I/O is never started
 * from inside a stream callback, which workerd would not count as the request's pending work.
 */
export function listingStream(
  store: SubscriberStore,
  opts: ListingOptions,
  sleep: (ms: number) => Promise<void>,
  onError: (err: unknown) => void
): ReadableStream<Uint8Array> {
  const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>()
  const writer = writable.getWriter()
  const enc = new TextEncoder()
  const write = (s: string) => writer.write(enc.encode(s))
  // The chunks are counted, never collected: chunk-proportion may be as large as the ring.
  const firstChunk = opts.chunk ?? 0
  const endChunk = opts.chunk !== undefined ? opts.chunk + 1 : opts.chunks
  void (async () => {
    try {
      await write('{"public_ids": [')
      let first = true
      for (let m = firstChunk; m < endChunk; m++) {
        if (m > firstChunk) {
          // Keep the connection visibly alive, then pause (not before the first chunk).
          await write(' ')
          await sleep(opts.pauseMs)
        }
        const [start, end] = chunkRange(m, opts.chunks)
        const items = entries(await idsInRange(store, start, end), opts.excludeUuids)
        if (items.length) {
          await write((first ? '' : ',') + items.join(','))
          first = false
        }
      }
      await write(']}')
      await writer.close()
    } catch (err) {
      onError(err)
      await writer.abort(err).catch(() => {})
    }
  })()
  return readable
}
