/**
 * Runs vitest's fake clock alongside real asynchronous work. A hop signs its request with
 * `crypto.subtle`, which completes in real time whatever the fake clock says; advancing the fake
 * clock in a tight loop let a loaded machine's slow signature look like seconds of fake time (a
 * hop's timer fired before its request left). Each fake step of {@link STEP_MS} therefore waits
 * {@link REAL_MS} of real time first.
 */
import { vi } from 'vitest'

/** `setTimeout` as it was when this module loaded, before a test fakes it. */
const realSetTimeout = globalThis.setTimeout
const STEP_MS = 100
const REAL_MS = 5

/** Advances the fake clock in 100 ms steps until `p` settles or `capMs` of fake time pass. */
export async function settleOnFakeClock<T>(p: Promise<T>, capMs = 40_000): Promise<T> {
  let done = false
  void p.then(
    () => {
      done = true
    },
    () => {
      done = true
    }
  )
  for (let t = 0; t < capMs && !done; t += STEP_MS) {
    await new Promise((r) => realSetTimeout(r, REAL_MS))
    await vi.advanceTimersByTimeAsync(STEP_MS)
  }
  return p
}
