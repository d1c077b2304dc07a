/**
 * @module vellum/kv-lean
 * The regional KV's hot commands — a record map's `MGET` and `SET … PX … GET` (kv-reads.ts,
 * record-map.ts), every KV round trip of a registration — sent as the Upstash REST API takes a
 * single command (environment-notes §4: `POST /` with the command as a JSON array of strings,
 * answered `{"result": …}` or `{"error": …}`) through the `@upstash/redis` client's own requester
 * (its URL, token, headers, read-your-writes token, `fetch` and error handling), without its
 * per-command machinery: the auto-pipelining proxy (a pipeline object and a deferred microtask
 * per command) and the decoding that parses every value of every answer again
 * (`parseRecursive`). Values come back as the text Redis holds, and the caller decodes what it
 * uses, once ({@link decodeValue} decodes as the client would).
 */
import type { Redis, Requester } from '@upstash/redis/cloudflare'
import { errors } from '@upstash/redis/cloudflare'

/** The requester inside an `@upstash/redis` client (the field its commands execute through). */
function requester(redis: Redis): Requester {
  return (redis as unknown as { client: Requester }).client
}

/** Sends one command; its result undecoded. A Redis error reply throws `UpstashError`. */
export async function leanCommand<T>(redis: Redis, command: readonly string[]): Promise<T> {
  const { result, error } = await requester(redis).request<T>({ body: command })
  if (error) throw new errors.UpstashError(error)
  if (result === undefined) throw new TypeError('Request did not return a result')
  return result
}

/** `MGET keys…`: each value as the text Redis holds, or null. */
export function leanMget(redis: Redis, keys: readonly string[]): Promise<(string | null)[]> {
  return leanCommand(redis, ['mget', ...keys])
}

/**
 * `SET key text PX pxMs GET`: stores `text` as it is (already JSON) and returns the text it
 * replaced, or null.
 */
export function leanSetGet(
  redis: Redis,
  key: string,
  text: string,
  pxMs: number
): Promise<string | null> {
  return leanCommand(redis, ['set', key, text, 'px', String(pxMs), 'get'])
}

/**
 * A value as `@upstash/redis` decodes one: its JSON, unless it is not JSON or a number whose
 * text would change by parsing (`"007"`, integers past 2^53), which stay text; null is absent.
 */
export function decodeValue(raw: string | null | undefined): unknown {
  if (raw === null || raw === undefined) return undefined
  let v: unknown
  try {
    v = JSON.parse(raw)
  } catch {
    return raw
  }
  return typeof v === 'number' && v.toString() !== raw ? raw : v
}
