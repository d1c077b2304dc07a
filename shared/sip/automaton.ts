/**
 * @module automaton
 * Recognisers for known names (header names, parameter names) as deterministic automata over the
 * `token` alphabet (RFC 3261 §25.1). A scanner advances `state = next[state * width + symbol[c]]`
 * for each char while it looks for the end of the token, so a known name is identified in the same
 * single pass, with no slice, no `toLowerCase` and no second comparison. Symbol 0 marks a char
 * that is not a token char (the token ends); state 0 absorbs unknown names; state 1 is the start.
 */

const TOKEN_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789-.!%*_+`'~"
const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'

export interface Automaton {
  /** Symbol per UTF-16 code unit; 0 when the char is not a token char. */
  readonly symbol: Uint8Array
  /** Row width (number of symbols + 1). */
  readonly width: number
  /** Transition table, `next[state * width + symbol]`. */
  readonly next: Uint16Array
  /** The name recognised in each accepting state. */
  readonly accept: readonly (string | undefined)[]
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
  const rows: number[][] = [new Array(width).fill(0), new Array(width).fill(0)]
  const accept: (string | undefined)[] = [undefined, undefined]
  for (const name of new Set(names)) {
    let st = 1
    for (let i = 0; i < name.length; i++) {
      const sym = symbol[name.charCodeAt(i)]!
      if (sym === 0) throw new Error(`not a token: ${name}`)
      let next = rows[st]![sym]!
      if (next === 0) {
        next = rows.length
        rows.push(new Array(width).fill(0))
        accept.push(undefined)
        rows[st]![sym] = next
      }
      st = next
    }
    accept[st] = name
  }
  const next = new Uint16Array(rows.length * width)
  for (let r = 0; r < rows.length; r++) next.set(rows[r]!, r * width)
  return { symbol, width, next, accept }
}
