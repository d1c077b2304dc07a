/**
 * @module homer/simservs-documents
 * Simservs documents in the global table, one item per IMPU (`keys.simservsKey`), holding the
 * document exactly as PUT plus its entity tag. Writes use optimistic versioning (RFC 4825 §7.11
 * conditional requests made safe): a PUT or DELETE reads the current version, evaluates
 * `If-Match` / `If-None-Match` against its ETag, and writes only if that version is still there,
 * so of two editors racing from the same ETag exactly one wins and the other gets 412. A request
 * without preconditions retries a lost race (last writer wins, as the client asked). Every
 * successful write is written through to the MMTEL cache.
 */
import type { Clock } from '../../shared/config/clock'
import { toBase64Url } from '../../shared/hop/base64url'
import type { SimservsModel } from '../../shared/ims/simservs-model'
import { type ConditionalHeaders, evaluatePreconditions } from '../../shared/ims/xcap-preconditions'
import type { Logger } from '../../shared/log/logger'
import { type StoredSimservs, toStored, writeCache } from '../../shared/simservs/simservs-cache'
import { ConditionFailed } from '../../shared/vellum/errors'
import type { Condition, GlobalTable } from '../../shared/vellum/global-table'
import { simservsKey } from '../../shared/vellum/keys'
import type { RegionalKv } from '../../shared/vellum/regional-kv'
import { HOMER_LIMITS } from './homer-config'

export type WriteOutcome =
  | { ok: true; etag: string | undefined; created: boolean }
  | { ok: false; status: 304 | 400 | 412 | 503; reason: string; etag: string | undefined }

export interface DocumentDeps {
  table: GlobalTable
  kv: RegionalKv
  clock: Clock
  log: Logger
}

const encoder = new TextEncoder()

/** A strong ETag: 128 bits of SHA-256 of the stored bytes, base64url, quoted. */
export async function entityTag(xml: string): Promise<string> {
  const d = new Uint8Array(await crypto.subtle.digest('SHA-256', encoder.encode(xml)))
  return `"${toBase64Url(d.subarray(0, 16))}"`
}

function hasPreconditions(h: ConditionalHeaders): boolean {
  return h.ifMatch != null || h.ifNoneMatch != null
}

export class SimservsDocuments {
  constructor(private readonly deps: DocumentDeps) {}

  async get(impu: string): Promise<StoredSimservs | undefined> {
    return toStored(await this.deps.table.get(simservsKey(impu), { consistent: true }))
  }

  /** Stores a validated document (`model` is its parse) under the request's preconditions. */
  async put(
    impu: string,
    xml: string,
    model: SimservsModel,
    pre: ConditionalHeaders
  ): Promise<WriteOutcome> {
    const etag = await entityTag(xml)
    const key = simservsKey(impu)
    for (let attempt = 1; attempt <= HOMER_LIMITS.writeAttempts; attempt++) {
      const current = await this.get(impu)
      const check = evaluatePreconditions('PUT', pre, current?.etag)
      if (!check.ok) return { ...check, etag: current?.etag }
      const condition: Condition = current ? { ifVersion: current.version } : { ifNotExists: true }
      try {
        const written = await this.deps.table.put(
          { ...key, impu, xml, etag, updated_ms: this.deps.clock.now() },
          { condition }
        )
        await writeCache(this.deps, impu, Number(written.version), {
          state: 'present',
          etag,
          model,
        })
        return { ok: true, etag, created: current === undefined }
      } catch (err) {
        if (!(err instanceof ConditionFailed)) throw err
        // Lost the race to another writer between our read and our write.
        const lost = lostRace(pre)
        if (lost) return lost
        this.deps.log.info('simservs PUT lost a version race, retrying', { impu, attempt })
      }
    }
    return contended()
  }

  /** Deletes the document (absent is fine unless a precondition says otherwise). */
  async delete(impu: string, pre: ConditionalHeaders): Promise<WriteOutcome> {
    const key = simservsKey(impu)
    for (let attempt = 1; attempt <= HOMER_LIMITS.writeAttempts; attempt++) {
      const current = await this.get(impu)
      const check = evaluatePreconditions('DELETE', pre, current?.etag)
      if (!check.ok) return { ...check, etag: current?.etag }
      if (!current) return { ok: true, etag: undefined, created: false }
      try {
        await this.deps.table.delete(key, { condition: { ifVersion: current.version } })
        // Tombstone above the deleted version: a reader that read the old item cannot revive it.
        await writeCache(this.deps, impu, current.version + 1, { state: 'absent' })
        return { ok: true, etag: undefined, created: false }
      } catch (err) {
        if (!(err instanceof ConditionFailed)) throw err
        const lost = lostRace(pre)
        if (lost) return lost
      }
    }
    return contended()
  }
}

/**
 * A write that lost the version race: 412 when the request carried preconditions (they held
 * for a version that is gone, RFC 9110 §13.1), else undefined (the write is tried again).
 */
function lostRace(pre: ConditionalHeaders): WriteOutcome | undefined {
  if (!hasPreconditions(pre)) return undefined
  return {
    ok: false,
    status: 412,
    reason: 'the document changed while this request was applied',
    etag: undefined,
  }
}

function contended(): WriteOutcome {
  return {
    ok: false,
    status: 503,
    reason: 'the document is being changed by other requests; retry',
    etag: undefined,
  }
}
