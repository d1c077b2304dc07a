/**
 * @module sprout/hss-read-ahead
 * The regional KV as Sprout's in-process Homestead cache sees it, with reads ahead: the keys a
 * REGISTER needs (the private id's digest and the set's registration data) are read together,
 * in one `MGET` when the KV offers one (else in parallel), or handed over by a caller that read
 * them with its own keys, and each value read ahead answers exactly one later `get` of its key,
 * as does a value this object wrote (a cache fill, then the reg-data that reads it). A delete
 * drops the key's value. Values live as long as this object: one request.
 *
 * A key read ahead and not found is kept as a miss: the cache then fills it from the global
 * table, the master copy, and writes it to both regions, without asking the other region's
 * database first (a multi-key read, like a caller's, reads one region). A key that was not read
 * ahead is read by the KV's own `get` (local, then the other region).
 */
import type { CacheKv } from '../../shared/homestead/subscriber-cache'
import type { RegionalKv, SetOptions } from '../../shared/vellum/regional-kv'

/** A KV that can read several plain values in one command (optional in {@link RegionalKv}). */
interface MultiGetKv {
  mget(keys: string[]): Promise<readonly unknown[]>
}

const hasMget = (kv: object): kv is MultiGetKv =>
  typeof (kv as Partial<MultiGetKv>).mget === 'function'

/** A key read ahead and found in neither region. */
const ABSENT = Symbol('absent')

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

export class ReadAheadKv implements CacheKv {
  private readonly ahead = new Map<string, unknown>()

  constructor(private readonly kv: RegionalKv) {}

  /** Reads the keys not already held, in one command when the KV allows it. */
  async readAhead(keys: readonly string[]): Promise<void> {
    const wanted = [...new Set(keys)].filter((k) => !this.ahead.has(k))
    if (wanted.length === 0) return
    const values = hasMget(this.kv)
      ? await this.kv.mget(wanted)
      : await Promise.all(wanted.map((k) => this.kv.get(k)))
    this.prime(wanted, values)
  }

  /**
   * Keeps values a caller read (in the order of `keys`; undefined or null when missing). The
   * cache holds JSON objects, so a value still in its stored text form is parsed first.
   */
  prime(keys: readonly string[], values: readonly unknown[]): void {
    keys.forEach((k, i) => {
      const v = typeof values[i] === 'string' ? parseJson(values[i]) : values[i]
      this.ahead.set(k, v === undefined || v === null ? ABSENT : v)
    })
  }

  /** Whether `key` was read ahead and found in neither region (its next `get` is a miss). */
  isAbsent(key: string): boolean {
    return this.ahead.get(key) === ABSENT
  }

  async get<T = unknown>(key: string): Promise<T | undefined> {
    if (this.ahead.has(key)) {
      const v = this.ahead.get(key)
      this.ahead.delete(key)
      return v === ABSENT ? undefined : (v as T)
    }
    return this.kv.get<T>(key)
  }

  async set(key: string, value: unknown, opts?: SetOptions): Promise<boolean> {
    this.ahead.delete(key)
    const written = await this.kv.set(key, value, opts)
    if (written && !opts?.nx) this.ahead.set(key, value)
    return written
  }

  del(key: string): Promise<void> {
    this.ahead.delete(key)
    return this.kv.del(key)
  }
}
