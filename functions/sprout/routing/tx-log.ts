/**
 * @module sprout/routing/tx-log
 * The transaction record's store: a Redis list per transaction in this region's KV
 * (`rtx:<key>`), changed only by one Lua script run with `evalLocal`, so each change is atomic
 * within the region and costs one round trip (architecture §3). `create` starts the list unless
 * it exists (a retransmitted request then finds the existing record); `append` adds an event only
 * to an existing list. Both return whether they wrote and the whole list as it stood right after.
 * Responses come back to the region whose Via they carry, so a region-local record suffices;
 * records expire after a TTL longer than any transaction (Timer C).
 */
import { defineScript, type MemoryScript, type RegionalKv } from '../../../shared/vellum'
import type { TxEvent } from './tx-model'

export const TX_SCRIPT = defineScript(`
local exists = redis.call('EXISTS', KEYS[1])
if ARGV[1] == 'create' then
  if exists == 1 then
    local out = redis.call('LRANGE', KEYS[1], 0, -1)
    table.insert(out, 1, '0')
    return out
  end
elseif exists == 0 then
  return {'0'}
end
redis.call('RPUSH', KEYS[1], ARGV[2])
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[3]))
local out = redis.call('LRANGE', KEYS[1], 0, -1)
table.insert(out, 1, '1')
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

  async append(key: string, event: TxEvent): Promise<TxWrite> {
    return decode(
      await this.kv.evalLocal(
        TX_SCRIPT,
        [txKvKey(key)],
        ['append', JSON.stringify(event), this.ttlSeconds]
      )
    )
  }
}

/** The JavaScript stand-in of {@link TX_SCRIPT} for the in-memory KV (unit tests). */
export const memoryTxScript: MemoryScript = async (kv, keys, args) => {
  const key = keys[0]!
  const list = (await kv.get<string[]>(key)) ?? undefined
  const [op, event, ttl] = args as [string, string, number]
  if (op === 'create' && list) return ['0', ...list]
  if (op !== 'create' && !list) return ['0']
  const next = [...(list ?? []), event]
  await kv.set(key, next, { ttlSeconds: Number(ttl) })
  return ['1', ...next]
}
