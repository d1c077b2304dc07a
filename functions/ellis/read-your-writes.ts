/**
 * @module ellis/read-your-writes
 * Read-your-writes for account writes this region forwarded to the e-mail shard's owner region
 * (docs/geo-redundancy.md, "Ellis: e-mail addresses"): sign-up, deletion, logout and password
 * reset. The owner writes the account in its own replica; this region reads its own replica,
 * which shows the write only after the global table's replication delay. A user's next request
 * goes through the same region (the edge keeps a client on its home region), so before passing
 * the owner's success back, this region waits (bounded by `ELLIS_READ_YOUR_WRITES_MS`, default
 * 2000 ms, ellis-config.ts) until its replica shows the change: the account after a sign-up, no
 * account after a deletion, a new session version after a logout or a password reset (so the
 * old cookie stops working here at once). Past the bound the answer goes anyway: the write is
 * done, only this replica is late. A reader in the other region may still see the previous
 * state for the replication delay.
 */
import { type Account, getAccount } from './accounts-store'
import type { EllisDeps } from './ellis-deps'
/** How often the replica is read while waiting. */
export const READ_YOUR_WRITES_POLL_MS = 100

export interface WaitOptions {
  /** Longest wait in ms; 0 does not wait. */
  limitMs: number
  pollMs?: number
  /** Monotonic enough for a bound (injectable for tests). */
  now?: () => number
  sleep?: (ms: number) => Promise<void>
}

const realSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))

/**
 * Reads `probe` until it is true or `limitMs` has passed; resolves to whether it became true.
 * The probe runs at least once unless `limitMs` is 0.
 */
export async function waitUntil(probe: () => Promise<boolean>, o: WaitOptions): Promise<boolean> {
  if (o.limitMs <= 0) return false
  const now = o.now ?? Date.now
  const sleep = o.sleep ?? realSleep
  const deadline = now() + o.limitMs
  for (;;) {
    if (await probe()) return true
    if (now() >= deadline) return false
    await sleep(o.pollMs ?? READ_YOUR_WRITES_POLL_MS)
  }
}

/** What this region's copy of the account shows once a forwarded write has reached it. */
export type AccountShows = (account: Account | undefined) => boolean

/** A sign-up has arrived. */
export const accountPresent: AccountShows = (a) => a !== undefined
/** A deletion has arrived. */
export const accountAbsent: AccountShows = (a) => a === undefined
/** A logout or password reset (session version bumped from `version`) has arrived. */
export const sessionsEndedSince =
  (version: number): AccountShows =>
  (a) =>
    a === undefined || a.sessionVersion !== version

/**
 * After the owner region answered a forwarded account write with success: waits until this
 * region's replica `shows` it, then returns the owner's answer unchanged.
 */
export async function afterForwardedAccountWrite(
  deps: EllisDeps,
  email: string,
  shows: AccountShows,
  answer: Response
): Promise<Response> {
  if (!answer.ok) return answer
  const seen = await waitUntil(async () => shows(await getAccount(deps.table, email)), {
    limitMs: deps.config.readYourWritesMs,
  })
  if (!seen)
    deps.log.info('account write not yet replicated here; answering anyway', {
      email,
      waitedMs: deps.config.readYourWritesMs,
    })
  return answer
}
