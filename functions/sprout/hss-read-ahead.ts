/**
 * @module sprout/hss-read-ahead
 * The regional KV as Sprout's in-process Homestead cache sees it, with reads ahead: the keys a
 * REGISTER needs (the private id's digest and the set's registration data) are read together,
 * in one `MGET` when the KV offers one (else in parallel), or handed over by a caller that read
 * them with its own keys, and each value read ahead answers exactly one later `get` of its key.
 * A write or delete of a key drops its value. Values live as long as this object: one request.
 *
 * Only values found are kept. A miss is read again by `get`, which falls back to the other
 * region's database (kv-upstash.ts), so a key missing locally is never taken as absent.
 */
import type { CacheKv } from '../../shared/homestead/subscriber-cache'
import type { RegionalKv, SetOptions } from '../../shared/vellum/regional-kv'

/** A KV that can read several plain values in one command (optional in {@link RegionalKv}). */
interface MultiGetKv {
  mget(keys: string[]): Promise<readonly unknown[]>
}

const hasMget = (kv: object): kv is MultiGetKv =>
  typeof (kv as Partial<MultiGetKv>).mget === 'function'

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
   * Keeps values a caller read (in the order of `keys`); missing ones are not kept. The cache
   * holds JSON objects, so a value still in its stored text form is parsed first.
   */
  prime(keys: readonly string[], values: readonly unknown[]): void {
    keys.forEach((k, i) => {
      const v = typeof values[i] === 'string' ? parseJson(values[i]) : values[i]
      if (v !== undefined && v !== null) this.ahead.set(k, v)
    })
  }

  async get<T = unknown>(key: string): Promise<T | undefined> {
    if (this.ahead.has(key)) {
      const v = this.ahead.get(key) as T
      this.ahead.delete(key)
      return v
    }
    return this.kv.get<T>(key)
  }

  set(key: string, value: unknown, opts?: SetOptions): Promise<boolean> {
    this.ahead.delete(key)
    return this.kv.set(key, value, opts)
  }

  del(key: string): Promise<void> {
    this.ahead.delete(key)
    return this.kv.del(key)
  }
}
