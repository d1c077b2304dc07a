/**
 * @module sprout/memento/memento-config
 * The built-in Memento call-list application server's settings (clearwater-interfaces §8), part
 * of Sprout's zod configuration (sprout-config.ts spreads them into its schema):
 *
 * | binding                   | default                 | meaning                                                             |
 * | ------------------------- | ----------------------- | ------------------------------------------------------------------- |
 * | `MEMENTO_HOST`            | `memento.<home domain>` | the iFC server host that invokes the built-in Memento in process    |
 * | `MEMENTO_TTL_S`           | 604800 (1 week)         | how long a call-list entry lives (`call_list_store_ttl`)            |
 * | `MEMENTO_NOTIFY_URL`      | unset (off)             | `POST {"impu":…}` here, signed for the trusted zone, on each write  |
 * | `MEMENTO_MAX_PARTY_CHARS` | 256                     | a party's display name and URI are each cut to this many characters |
 *
 * The longest list (`MEMENTO_MAX_CALLS`) is applied where lists are read: Homer's call-list API
 * (functions/homer/call-list/call-list-config.ts).
 */
import { z } from 'zod'

/** `call_list_store_ttl`: one week. */
export const DEFAULT_MEMENTO_TTL_S = 604_800
/** The longest display name or URI a fragment keeps (both come from the caller's request). */
export const DEFAULT_MEMENTO_MAX_PARTY_CHARS = 256

export const MEMENTO_SETTINGS = {
  MEMENTO_HOST: z
    .string()
    .regex(/^[a-z0-9.-]+$/i)
    .optional(),
  MEMENTO_TTL_S: z.coerce
    .number()
    .int()
    .min(60)
    .max(366 * 86_400)
    .default(DEFAULT_MEMENTO_TTL_S),
  MEMENTO_NOTIFY_URL: z.string().url().optional(),
  MEMENTO_MAX_PARTY_CHARS: z.coerce
    .number()
    .int()
    .min(32)
    .max(4096)
    .default(DEFAULT_MEMENTO_MAX_PARTY_CHARS),
}
