/**
 * @module sip/detached
 * A parsed value (a Call-ID, a tag) is a slice of its message's text, and in V8 a slice of 13 or
 * more characters is a view that keeps the whole text alive. What an isolate holds beyond the
 * message (the trace buffer, the transaction stat rings) holds a copy of its own instead, so a
 * 40-character Call-ID costs 40 characters rather than a kilobyte-sized message.
 */

/**
 * `value` in a string of its own: concatenation then slicing flattens into a new backing string
 * one character longer than `value`, and the result refers to that alone.
 */
export function detached(value: string): string {
  return ` ${value}`.slice(1)
}
