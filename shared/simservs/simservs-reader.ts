/**
 * @module simservs/simservs-reader
 * The MMTEL service's cheap path to a subscriber's simservs (what Sprout imports): one regional
 * KV read on a hit; on a miss, one global-table read, the parse, and a guarded fill of the cache
 * (see simservs-cache for why a racing PUT always wins). Clearwater fetched the document from
 * Homer over HTTP on every INVITE (clearwater-interfaces §5.9); here a call costs one KV round
 * trip. A KV outage degrades to the table; a table outage on a miss throws Vellum's
 * `Unavailable` and the caller decides (Clearwater ran the call with no services).
 *
 * Usage: `createSimservsReader({ table, kv, clock, log }).read('sip:alice@example.com')`.
 */
import type { Clock } from '../config/clock'
import { parseSimservs } from '../ims/simservs'
import type { SimservsModel } from '../ims/simservs-model'
import type { Logger } from '../log/logger'
import type { GlobalTable } from '../vellum/global-table'
import { simservsKey } from '../vellum/keys'
import type { RegionalKv } from '../vellum/regional-kv'
import { type CachedSimservs, readCache, toStored, writeCache } from './simservs-cache'

export interface SimservsLookup {
  /** The subscriber's services; undefined when no (usable) document is stored. */
  model: SimservsModel | undefined
  /** ETag of the document the model came from. */
  etag: string | undefined
  /** Where the answer came from (tests and metrics). */
  source: 'cache' | 'table'
}

export interface SimservsReader {
  lookup(impu: string): Promise<SimservsLookup>
  /** The model alone: what MMTEL needs per call. */
  read(impu: string): Promise<SimservsModel | undefined>
}

export interface SimservsReaderDeps {
  table: GlobalTable
  kv: RegionalKv
  clock: Clock
  log: Logger
  /**
   * Runs the cache fill after the answer (Workers `ctx.waitUntil`). Without it the fill is
   * awaited before returning.
   */
  defer?: (work: Promise<unknown>) => void
}

function fromCache(data: CachedSimservs, source: SimservsLookup['source']): SimservsLookup {
  switch (data.state) {
    case 'present':
      return { model: data.model, etag: data.etag, source }
    case 'invalid':
      return { model: undefined, etag: data.etag, source }
    case 'absent':
      return { model: undefined, etag: undefined, source }
  }
}

export function createSimservsReader(deps: SimservsReaderDeps): SimservsReader {
  const lookup = async (impu: string): Promise<SimservsLookup> => {
    let cacheUp = true
    try {
      const hit = await readCache(deps.kv, impu)
      if (hit) return fromCache(hit.data, 'cache')
    } catch (err) {
      cacheUp = false
      deps.log.warn('simservs cache unreadable, reading the global table', { impu, error: err })
    }
    const stored = toStored(await deps.table.get(simservsKey(impu)))
    let data: CachedSimservs = { state: 'absent' }
    if (stored) {
      const parsed = parseSimservs(stored.xml)
      if (parsed.ok) data = { state: 'present', etag: stored.etag, model: parsed.value }
      else {
        deps.log.warn('stored simservs no longer parses; no services', {
          impu,
          reason: parsed.error.reason,
        })
        data = { state: 'invalid', etag: stored.etag }
      }
    }
    if (cacheUp) {
      // Version 0 for "absent": any document written later has a higher version and wins.
      const fill = writeCache(deps, impu, stored?.version ?? 0, data)
      if (deps.defer) deps.defer(fill)
      else await fill
    }
    return fromCache(data, 'table')
  }
  return {
    lookup,
    read: async (impu) => (await lookup(impu)).model,
  }
}
