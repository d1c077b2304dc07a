/**
 * @module vellum/kv-scripts
 * The Lua scripts behind the regional KV's guarded operations. Each runs atomically inside one
 * region's Redis, so there is no read-then-write race within a region; across regions the same
 * script is applied to both databases and the outcome commutes (regional-kv.ts). Records are
 * stored as the JSON text of {@link encodeRecord}; ties are broken on that text byte by byte,
 * exactly as `compareRecords` does for the in-memory adapter.
 */
import { defineScript } from './regional-kv'

/**
 * KEYS[1] hash; ARGV[1] now (ms); ARGV[2] grace (s); then field, record-JSON pairs.
 * Returns one outcome per pair: 1 written, 0 identical, -1 stale. The key's TTL is extended
 * (never shortened) to the newest written expiry plus the grace.
 */
export const HSET_IF_NEWER = defineScript(`
local now = tonumber(ARGV[1])
local grace = tonumber(ARGV[2])
local out = {}
local maxexp = 0
local function bytecmp(a, b)
  if a == b then return 0 end
  local n = math.min(#a, #b)
  for i = 1, n do
    local x, y = string.byte(a, i), string.byte(b, i)
    if x ~= y then return x - y end
  end
  return #a - #b
end
for i = 3, #ARGV, 2 do
  local field, raw = ARGV[i], ARGV[i + 1]
  local rec = cjson.decode(raw)
  local cur = redis.call('HGET', KEYS[1], field)
  local c = 1
  if cur then
    local ok, old = pcall(cjson.decode, cur)
    if ok and type(old) == 'table' and type(old.cseq) == 'number' and type(old.expires) == 'number' then
      if rec.cseq ~= old.cseq then c = rec.cseq - old.cseq
      elseif rec.expires ~= old.expires then c = rec.expires - old.expires
      else c = bytecmp(raw, cur) end
    end
  end
  if c > 0 then
    redis.call('HSET', KEYS[1], field, raw)
    out[#out + 1] = 1
  elseif c == 0 then out[#out + 1] = 0
  else out[#out + 1] = -1 end
  if rec.expires > maxexp then maxexp = rec.expires end
end
local want = math.floor(math.max(maxexp * 1000 - now, 0) + grace * 1000)
local pttl = redis.call('PTTL', KEYS[1])
if pttl == -1 or (pttl >= 0 and pttl < want) then redis.call('PEXPIRE', KEYS[1], want) end
return out
`)

/**
 * KEYS[1] hash; ARGV[1] field; ARGV[2] expected cseq; ARGV[3] '1' = only if expired;
 * ARGV[4] now (ms). Returns 1 deleted, 0 kept (changed, or still live), -1 absent.
 */
export const HDEL_IF_CSEQ = defineScript(`
local cur = redis.call('HGET', KEYS[1], ARGV[1])
if not cur then return -1 end
local ok, rec = pcall(cjson.decode, cur)
if not ok or type(rec) ~= 'table' then return 0 end
if rec.cseq ~= tonumber(ARGV[2]) then return 0 end
if ARGV[3] == '1' and rec.expires * 1000 > tonumber(ARGV[4]) then return 0 end
redis.call('HDEL', KEYS[1], ARGV[1])
return 1
`)

/** KEYS[1] counter; ARGV[1] TTL seconds (0 = none), set only when the key has none. */
export const INCR_WITH_TTL = defineScript(`
local n = redis.call('INCR', KEYS[1])
local ttl = tonumber(ARGV[1])
if ttl > 0 and redis.call('PTTL', KEYS[1]) < 0 then redis.call('EXPIRE', KEYS[1], ttl) end
return n
`)

/**
 * KEYS[1] the resync hints hash, KEYS[2] the stale marker; ARGV[1] the key a database missed,
 * ARGV[2] now (ms), ARGV[3] hints TTL (ms), ARGV[4] `1` to mark this database stale too.
 * Records (or moves forward) the key's hint, keeps the hash alive for the TTL and, when asked,
 * sets the marker that makes this region's reads consult the other region (kv-resync-trigger.ts).
 */
export const RESYNC_HINT = defineScript(`
local cur = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0')
if tonumber(ARGV[2]) > cur then redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]) end
redis.call('PEXPIRE', KEYS[1], ARGV[3])
if ARGV[4] == '1' then redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[3]) end
return 1
`)

/** KEYS[1] the hints hash; ARGV[1] key, ARGV[2] the hint's time: removed only if unchanged. */
export const RESYNC_HINT_DONE = defineScript(`
if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then
  return redis.call('HDEL', KEYS[1], ARGV[1])
end
return 0
`)
