/**
 * @module logger
 * Structured logs: one JSON object per line with the component, region and whatever the caller
 * names (Call-ID, AoR, flow…), so a line can be found by the SIP identifiers it concerns. Each
 * component logs at its own level (`LOG_LEVEL` in its own settings: a function's environment,
 * docs/operations.md#logs); Error values carry their stack. Per SIP transaction, one line
 * (transaction-log.ts).
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

export function createLogger(
  base: LogFields,
  opts: { level?: LogLevel; sink?: LogSink; now?: () => number } = {}
): Logger {
  const min = ORDER[opts.level ?? 'info']
  const sink = opts.sink ?? consoleSink
  const now = opts.now ?? Date.now
  const emit = (level: LogLevel, msg: string, fields?: LogFields) => {
    if (ORDER[level] < min) return
    const rec: LogFields = { t: new Date(now()).toISOString(), level, msg, ...base, ...fields }
    // An error field keeps its message and carries its stack beside it (`<field>Stack`), so a
    // failure can be traced to its line; stacks go to logs only, never to a client.
    for (const [k, v] of Object.entries(rec))
      if (v instanceof Error) {
        rec[k] = v.message
        if (v.stack) rec[`${k}Stack`] = v.stack
      }
    sink(JSON.stringify(rec), level)
  }
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    child: (fields) => createLogger({ ...base, ...fields }, opts),
  }
}
