/**
 * @module logger
 * Structured logs: one JSON object per line with the component, region and whatever the caller
 * names (Call-ID, AoR, flow…), so a line can be found by the SIP identifiers it concerns. Each
 * component logs at its own level (`LOG_LEVEL` in its own settings: a function's environment,
 * docs/operations.md#logs); Error values carry their stack. Per SIP transaction, one line
 * (transaction-log.ts).
 *
 * A line is written as text directly: `t`, `level` and `msg` first, then the logger's own fields
 * (serialised once, when the logger is made), then the caller's, each value through
 * `JSON.stringify`; the timestamp's date and second are formatted once per second. A caller's
 * field that names one of the logger's own keys replaces it in place, as an object spread would.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error'
export type LogFields = Record<string, unknown>

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 }

export interface Logger {
  debug(msg: string, fields?: LogFields): void
  info(msg: string, fields?: LogFields): void
  warn(msg: string, fields?: LogFields): void
  error(msg: string, fields?: LogFields): void
  child(fields: LogFields): Logger
}

export type LogSink = (line: string, level: LogLevel) => void

const consoleSink: LogSink = (line, level) => {
  if (level === 'error') console.error(line)
  else if (level === 'warn') console.warn(line)
  else console.log(line)
}

/** The last second formatted, `YYYY-MM-DDTHH:MM:SS.`, and the second it stands for. */
let isoSecond = Number.NaN
let isoPrefix = ''
/** Dates `Date#toISOString` writes with a four-digit year (0000 to 9999). */
const ISO_MIN_MS = -62_167_219_200_000
const ISO_MAX_MS = 253_402_300_799_999

/** `new Date(ms).toISOString()`, with the part up to the second reused within one second. */
export function isoTimestamp(ms: number): string {
  // The Date constructor truncates a fractional time toward zero.
  const t = Math.trunc(ms)
  if (!(t >= ISO_MIN_MS && t <= ISO_MAX_MS)) return new Date(ms).toISOString()
  const second = Math.floor(t / 1000)
  if (second !== isoSecond) {
    isoPrefix = new Date(second * 1000).toISOString().slice(0, 20)
    isoSecond = second
  }
  const milli = t - second * 1000
  return `${isoPrefix}${milli < 10 ? '00' : milli < 100 ? '0' : ''}${milli}Z`
}

/** Quoted JSON keys, kept for the few dozen field names the code uses. */
const quotedKeys = new Map<string, string>()
const KEY_CACHE_LIMIT = 256

function quoteKey(k: string): string {
  let q = quotedKeys.get(k)
  if (q === undefined) {
    q = JSON.stringify(k)
    if (quotedKeys.size < KEY_CACHE_LIMIT) quotedKeys.set(k, q)
  }
  return q
}

/** `"key":value` pairs of `fields` (leading commas); undefined values are left out as JSON does. */
function appendFields(out: string, fields: LogFields): string {
  for (const k of Object.keys(fields)) {
    const v = fields[k]
    // An error field keeps its message and carries its stack beside it (`<field>Stack`), so a
    // failure can be traced to its line; stacks go to logs only, never to a client.
    if (v instanceof Error) {
      out += `,${quoteKey(k)}:${JSON.stringify(v.message)}`
      if (v.stack) out += `,${quoteKey(`${k}Stack`)}:${JSON.stringify(v.stack)}`
      continue
    }
    const s = JSON.stringify(v)
    if (s !== undefined) out += `,${quoteKey(k)}:${s}`
  }
  return out
}

/** The line as an object spread writes it: used when a caller's key replaces one of the logger's. */
function spreadLine(
  t: string,
  level: LogLevel,
  msg: string,
  base: LogFields,
  fields: LogFields
): string {
  const rec: LogFields = { t, level, msg, ...base, ...fields }
  return `{${appendFields('', rec).slice(1)}}`
}

export function createLogger(
  base: LogFields,
  opts: { level?: LogLevel; sink?: LogSink; now?: () => number } = {}
): Logger {
  const min = ORDER[opts.level ?? 'info']
  const sink = opts.sink ?? consoleSink
  const now = opts.now ?? Date.now
  const own = new Set(['t', 'level', 'msg', ...Object.keys(base)])
  const baseText = appendFields('', base)
  const emit = (level: LogLevel, msg: string, fields?: LogFields) => {
    if (ORDER[level] < min) return
    const t = isoTimestamp(now())
    if (fields)
      for (const k in fields)
        if (own.has(k)) return sink(spreadLine(t, level, msg, base, fields), level)
    let out = `{"t":"${t}","level":"${level}","msg":${JSON.stringify(msg)}${baseText}`
    if (fields) out = appendFields(out, fields)
    sink(`${out}}`, level)
  }
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    child: (fields) => createLogger({ ...base, ...fields }, opts),
  }
}
