/**
 * @module ims/xcap-preconditions
 * Conditional requests on an XCAP document (RFC 4825 §7.11 mandates ETags; RFC 9110 §13 defines
 * the evaluation). An entity tag names one version of the whole document, also when a request
 * addresses one element of it. `If-Match` uses strong comparison and fails with 412 when the
 * document is absent or has another tag; `If-None-Match` uses weak comparison and answers 304 to
 * GET/HEAD, 412 to anything else. Evaluated in RFC 9110 §13.2.2 order. Pure.
 */

export interface EntityTag {
  weak: boolean
  /** The opaque tag including its quotes, e.g. `"3q2-7w"`. */
  opaque: string
}

/** `*` or a comma-separated list of entity tags (RFC 9110 §8.8.3); undefined when malformed. */
export function parseEntityTagList(header: string): '*' | EntityTag[] | undefined {
  const h = header.trim()
  if (h === '*') return '*'
  const out: EntityTag[] = []
  const re = /\s*(W\/)?("[\x21\x23-\x7e\x80-\xff]*")\s*(,|$)/y
  let i = 0
  while (i < h.length) {
    re.lastIndex = i
    const m = re.exec(h)
    if (!m) return undefined
    out.push({ weak: m[1] !== undefined, opaque: m[2]! })
    i = re.lastIndex
    if (m[3] === '' && i < h.length) return undefined
  }
  return out.length > 0 ? out : undefined
}

export interface ConditionalHeaders {
  ifMatch: string | null | undefined
  ifNoneMatch: string | null | undefined
}

export type PreconditionResult =
  | { ok: true }
  | { ok: false; status: 304 | 412 | 400; reason: string }

/**
 * Checks a request's preconditions against the current entity tag (`undefined`: no document).
 * `current` is a strong tag with its quotes.
 */
export function evaluatePreconditions(
  method: string,
  h: ConditionalHeaders,
  current: string | undefined
): PreconditionResult {
  const safe = method === 'GET' || method === 'HEAD'
  if (h.ifMatch != null) {
    const tags = parseEntityTagList(h.ifMatch)
    if (!tags) return { ok: false, status: 400, reason: 'If-Match is not a list of entity tags' }
    // RFC 9110 §13.1.1: `*` is false when there is no current representation; strong comparison.
    const pass =
      current !== undefined && (tags === '*' || tags.some((t) => !t.weak && t.opaque === current))
    if (!pass)
      return {
        ok: false,
        status: 412,
        reason:
          current === undefined
            ? 'If-Match: the document does not exist'
            : 'If-Match: the document has changed',
      }
  }
  if (h.ifNoneMatch != null) {
    const tags = parseEntityTagList(h.ifNoneMatch)
    if (!tags)
      return { ok: false, status: 400, reason: 'If-None-Match is not a list of entity tags' }
    // RFC 9110 §13.1.2: weak comparison; `*` matches any current representation.
    const matched =
      current !== undefined && (tags === '*' || tags.some((t) => t.opaque === current))
    if (matched)
      return safe
        ? { ok: false, status: 304, reason: 'If-None-Match: not modified' }
        : { ok: false, status: 412, reason: 'If-None-Match: the document exists' }
  }
  return { ok: true }
}
