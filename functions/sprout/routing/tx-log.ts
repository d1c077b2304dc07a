/**
 * @module sprout/routing/tx-log
 * The transaction record's store: a Redis list per transaction in this region's KV
 * (`rtx:<key>`), changed only by one Lua script run with `evalLocal`, so each change is atomic
 * within the region and costs one round trip (architecture §3). Each change bills the fewest
 * commands Upstash counts (the EVAL plus the commands inside it):
 *
 * - `create` pushes the first event and sets the TTL (EVAL, RPUSH, EXPIRE) and returns nothing
 *   else; when the list already existed (a repeated request) the push lands as a second `create`,
 *   which the fold ignores (tx-state.ts), and the whole list comes back (one more LRANGE);
 * - `append` pushes an event only onto an existing list (RPUSHX) and returns the whole list as it
 *   stood right after (LRANGE): EVAL, RPUSHX, LRANGE;
 * - `extend` is an append that sets the TTL again (one EXPIRE more): a provisional response that
 *   may reset Timer C (responses.ts), so the record outlives the transaction's new deadline.
 *
 * The TTL is otherwise set once: a record outlives its transaction, which Timer C bounds (RFC 3261
 * §16.6 step 11, reset by provisional responses, §16.7 step 2). Responses come back to the region whose Via they carry, so a region-local
 * record suffices.
 */
import { defineScript, type MemoryScript, type RegionalKv } from '../../../shared/vellum'
import type { TxEvent } from './tx-model'

export const TX_SCRIPT = defineScript(`
if ARGV[1] == 'create' then
  if redis.call('RPUSH', KEYS[1], ARGV[2]) == 1 then
    redis.call('EXPIRE', KEYS[1], tonumber(ARGV[3]))
    return {'1'}
  end
elseif redis.call('RPUSHX', KEYS[1], ARGV[2]) == 0 then
  return {'0'}
elseif ARGV[1] == 'extend' then
  redis.call('EXPIRE', KEYS[1], tonumber(ARGV[3]))
end
local out = redis.call('LRANGE', KEYS[1], 0, -1)
table.insert(out, 1, ARGV[1] == 'create' and '0' or '1')
return out
`)

export const txKvKey = (key: string) => `rtx:${key}`

export interface TxWrite {
  written: boolean
  events: TxEvent[]
}

function decode(raw: unknown): TxWrite {
  const arr = Array.isArray(raw) ? raw : []
  const flag = arr[0]
  const events = arr
    .slice(1)
    .map((e) => (typeof e === 'string' ? (JSON.parse(e) as TxEvent) : (e as TxEvent)))
  return { written: flag === 1 || flag === '1', events }
}

export class TxLog {
  constructor(
    private readonly kv: RegionalKv,
    private readonly ttlSeconds: number
  ) {}

  async create(key: string, event: TxEvent): Promise<TxWrite> {
    return decode(
      await this.kv.evalLocal(
        TX_SCRIPT,
        [txKvKey(key)],
        ['create', JSON.stringify(event), this.ttlSeconds]
      )
    )
  }

  /** Appends `event`; with `extendTtl`, the record's TTL starts again from now. */
  async append(key: string, event: TxEvent, extendTtl = false): Promise<TxWrite> {
    return decode(
      await this.kv.evalLocal(
        TX_SCRIPT,
        [txKvKey(key)],
        [extendTtl ? 'extend' : 'append', JSON.stringify(event), this.ttlSeconds]
      )
    )
  }
}

/** The JavaScript stand-in of {@link TX_SCRIPT} for the in-memory KV (unit tests). */
export const memoryTxScript: MemoryScript = async (kv, keys, args) => {
  const key = keys[0]!
  const list = (await kv.get<string[]>(key)) ?? undefined
  const [op, event, ttl] = args as [string, string, number]
  if (op !== 'create' && !list) return ['0']
  const next = [...(list ?? []), event]
  await kv.set(key, next, { ttlSeconds: Number(ttl) })
  if (op === 'create') return list ? ['0', ...next] : ['1']
  return ['1', ...next]
}
