/**
 * @module log-lines
 * How the local cloud reads workerd's console output (docs/operations.md#logs): the bytes are cut
 * into lines as they arrive, and each of Edgewater's structured lines (shared/log/logger.ts) is
 * re-printed under a `[component-region]` tag as `<LEVEL >msg {other fields}` (no level for
 * info, no `t`); any other line is printed as it is under `[workerd]`.
 *
 * A line as the logger writes it (`{"t":…,"level":…,"msg":…,"component":…,"region":…,…}`) is
 * taken apart by position, not parsed: its other fields are already the JSON to print. A line in
 * any other shape (a message with escapes, a component or region elsewhere in the object) is
 * parsed, and printed the same way.
 */
import { StringDecoder } from 'node:string_decoder'

/** A tag and the text printed after it. */
export interface PrintedLine {
  tag: string
  text: string
}

/** `{"t":"…","level":"…","msg":"…","component":"…"[,"region":"…"]` then the other fields. */
const LOGGER_LINE =
  /^\{"t":"[^"\\]*","level":"(debug|info|warn|error)","msg":"([^"\\]*)","component":"([^"\\]*)"(?:,"region":"([^"\\]*)")?(?:,(.*))?\}$/
/** Keys that, among the other fields, mean the line is not in the logger's usual shape. */
const OWN_KEYS = ['"t":', '"level":', '"msg":', '"component":', '"region":']

function printed(
  component: string,
  region: unknown,
  level: unknown,
  msg: unknown,
  extra: string
): PrintedLine {
  const tag = region ? `${component}-${region}` : component
  return {
    tag,
    text: `${level === 'info' ? '' : `${String(level).toUpperCase()} `}${String(msg)}${extra}`,
  }
}

/** The tag and text the local cloud prints for one line of workerd's output. */
export function printedLine(line: string): PrintedLine {
  const m = LOGGER_LINE.exec(line)
  if (m) {
    const [, level, msg, component, region, rest] = m
    if (rest === undefined) return printed(component ?? '', region, level, msg, '')
    if (!OWN_KEYS.some((k) => rest.includes(k)))
      return printed(component ?? '', region, level, msg, ` {${rest}}`)
  }
  if (line.startsWith('{'))
    try {
      const rec = JSON.parse(line) as Record<string, unknown>
      if (typeof rec.component === 'string') {
        const { component, region, msg, t: _t, level, ...rest } = rec
        const extra = Object.keys(rest).length ? ` ${JSON.stringify(rest)}` : ''
        return printed(component, region, level, msg, extra)
      }
    } catch {
      // not one of ours: print as is
    }
  return { tag: 'workerd', text: line }
}

/**
 * Cuts a stream's chunks into lines (LF, an optional CR before it dropped), handing each
 * non-blank one to `onLine`; a partial last line waits for the next chunk, or for `end`.
 */
export function lineSplitter(onLine: (line: string) => void): {
  push(chunk: Buffer | string): void
  end(): void
} {
  let partial = ''
  // A UTF-8 character may be cut between two chunks.
  const utf8 = new StringDecoder('utf8')
  const emit = (line: string) => {
    const l = line.endsWith('\r') ? line.slice(0, -1) : line
    if (l.trim()) onLine(l)
  }
  return {
    push(chunk) {
      const text = partial + (typeof chunk === 'string' ? chunk : utf8.write(chunk))
      let from = 0
      for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', from)) {
        emit(text.slice(from, nl))
        from = nl + 1
      }
      partial = text.slice(from)
    },
    end() {
      partial += utf8.end()
      if (partial) emit(partial)
      partial = ''
    },
  }
}
