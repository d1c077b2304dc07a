/**
 * @module vellum/errors
 * The one error vocabulary of every Vellum store (global table, regional KV, timer service).
 * Callers catch {@link StoreError} subclasses, never SDK exceptions: a failed condition is
 * {@link ConditionFailed} (optimistic versioning lost, uniqueness violated), a missing item that
 * had to exist is {@link NotFound}, and a store that could not be reached or answered with a
 * server fault is {@link Unavailable} (map it to 503 / SIP 503 with Retry-After, never 403;
 * Clearwater sprout#1616 is the bug of picking the wrong status for a backend outage).
 */
export type StoreName = 'table' | 'kv' | 'timers'

export class StoreError extends Error {
  override name = 'StoreError'
  constructor(
    message: string,
    readonly store: StoreName,
    options?: { cause?: unknown }
  ) {
    super(message, options)
  }
}

/** A conditional write or transaction lost: the item exists, is absent, or has another version. */
export class ConditionFailed extends StoreError {
  override name = 'ConditionFailed'
  constructor(
    message: string,
    store: StoreName,
    readonly details: {
      /** The item as it is now, when the store returned it (single-item writes). */
      current?: Record<string, unknown> | undefined
      /** For a transaction: index of the operation whose condition failed. */
      index?: number | undefined
    } = {},
    options?: { cause?: unknown }
  ) {
    super(message, store, options)
  }
}

/** The item (or timer) is not there and the operation needed it. */
export class NotFound extends StoreError {
  override name = 'NotFound'
}

/** The store could not be reached, timed out, throttled or failed on its side: retry later. */
export class Unavailable extends StoreError {
  override name = 'Unavailable'
}

export function isStoreError(err: unknown): err is StoreError {
  return err instanceof StoreError
}
