/**
 * @module cli/terminal-text
 * Text for the operator's terminal. Much of what the CLI prints comes from subscribers (traced
 * SIP messages, reason phrases, display names, IMPUs), and a terminal acts on control characters:
 * ESC starts sequences that move the cursor, clear the screen, retitle the window or set the
 * clipboard (OSC 52); a carriage return lets later text overwrite earlier text; bidirectional
 * overrides reorder what is shown. {@link terminalSafe} shows each of them as a visible escape
 * (`\x1b`, `\r`, `\u202e`); tabs and printable text are left as they are.
 */

/** C0 controls but tab, DEL, C1 controls, and the bidirectional embedding/override/isolate marks. */
const UNSAFE = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g

const NAMED: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r' }

function visible(c: string): string {
  const named = NAMED[c]
  if (named) return named
  const code = c.charCodeAt(0)
  return code <= 0xff
    ? `\\x${code.toString(16).padStart(2, '0')}`
    : `\\u${code.toString(16).padStart(4, '0')}`
}

/** `line` with every character that would act on a terminal shown as an escape instead. */
export function terminalSafe(line: string): string {
  return line.replace(UNSAFE, visible)
}
