/**
 * @module automaton
 * Recognisers for known names (header names, parameter names) as deterministic automata over the
 * `token` alphabet (RFC 3261 §25.1). A scanner advances `state = next[state + symbol[c]]` for each
 * char while it looks for the end of the token, so a known name is identified in the same single
 * pass, with no slice, no `toLowerCase` and no second comparison. States are row offsets into the
 * table (no multiply on the hot path); state 0 absorbs unknown names. Symbol 0 marks a char that
 * is not a token char, so column 0 of each row is free and holds the accepted name's index:
 * `names[next[state]]` is the name recognised (undefined when none).
 */

const TOKEN_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789-.!%*_+`'~"
const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'

export interface Automaton {
  /** Symbol per UTF-16 code unit; 0 when the char is not a token char. */
  readonly symbol: Uint8Array
  /** Transitions by row offset: `next[state + symbol]`; `next[state]` indexes `names`. */
  readonly next: Uint16Array
  /** Accepted names; index 0 is undefined (no name). */
  readonly names: readonly (string | undefined)[]
  /** The start state. */
  readonly start: number
}

function symbols(foldCase: boolean): { symbol: Uint8Array; width: number } {
  const symbol = new Uint8Array(65536)
  let n = 0
  for (let i = 0; i < TOKEN_CHARS.length; i++) symbol[TOKEN_CHARS.charCodeAt(i)] = ++n
  for (let i = 0; i < UPPER.length; i++) {
    symbol[UPPER.charCodeAt(i)] = foldCase ? symbol[UPPER.charCodeAt(i) + 32]! : ++n
  }
  return { symbol, width: n + 1 }
}

/**
 * Builds the recogniser of `names`. With `foldCase` letters match in either case (header names);
 * without, only the exact spelling is recognised (parameter names, so the received case survives).
 */
export function buildAutomaton(names: Iterable<string>, foldCase: boolean): Automaton {
  const { symbol, width } = symbols(foldCase)
  // Rows by index while building; column 0 holds the accepted name's index.
  const rows: number[][] = [new Array(width).fill(0), new Array(width).fill(0)]
  const accepted: (string | undefined)[] = [undefined]
  for (const name of new Set(names)) {
    let st = 1
    for (let i = 0; i < name.length; i++) {
      const sym = symbol[name.charCodeAt(i)]!
      if (sym === 0) throw new Error(`not a token: ${name}`)
      let to = rows[st]![sym]!
      if (to === 0) {
        to = rows.length
        rows.push(new Array(width).fill(0))
        rows[st]![sym] = to
      }
      st = to
    }
    rows[st]![0] = accepted.push(name) - 1
  }
  if (rows.length * width > 0xffff) throw new Error('automaton too large for 16-bit offsets')
  const next = new Uint16Array(rows.length * width)
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r]!
    next[r * width] = row[0]!
    for (let c = 1; c < width; c++) next[r * width + c] = row[c]! * width
  }
  return { symbol, next, names: accepted, start: width }
}
