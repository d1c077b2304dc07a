/**
 * @module ellis/read-your-writes
 * Read-your-writes for requests this region forwarded to an e-mail shard's owner region
 * (docs/geo-redundancy.md, "Ellis: e-mail addresses"). The owner writes the account in its own
 * replica; this region reads its own replica, which shows the write only after the global
 * table's replication delay. A user who signed up through this region logs in through it next,
 * so before passing the owner's success back, this region waits (bounded by
 * `ELLIS_READ_YOUR_WRITES_MS`, default 2000 ms, ellis-config.ts) until its replica
 * shows the account (or, for a deletion, no longer shows it). Past the bound the answer goes
 * anyway: the write is done, only this replica is late. A reader in the other region may still
 * see the previous state for the replication delay.
 */
import { getAccount } from './accounts-store'
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

/**
 * After the owner region answered a forwarded account write with success: waits until this
 * region's replica agrees (`present` for a sign-up, `absent` for a deletion), then returns the
 * owner's answer unchanged.
 */
export async function afterForwardedAccountWrite(
  deps: EllisDeps,
  email: string,
  expect: 'present' | 'absent',
  answer: Response
): Promise<Response> {
  if (!answer.ok) return answer
  const seen = await waitUntil(
    async () => ((await getAccount(deps.table, email)) !== undefined) === (expect === 'present'),
    { limitMs: deps.config.readYourWritesMs }
  )
  if (!seen)
    deps.log.info('account write not yet replicated here; answering anyway', {
      email,
      expect,
      waitedMs: deps.config.readYourWritesMs,
    })
  return answer
}
