/**
 * @module homer/client-source
 * The source Homer counts a caller's wrong guesses against: the client address the edge vouches
 * for on the request it relays (shared/http/client-vouch.ts), or, for every caller nobody
 * vouches for (a function URL called directly, a vouch that does not verify), one shared source.
 * A caller therefore cannot name its own source to get a fresh budget.
 */
import { UNVOUCHED_SOURCE } from '../../shared/http/api-key-guard'
import { vouchedClient } from '../../shared/http/client-vouch'
import { functionHopKeys } from '../../shared/http/trusted-zone'
import type { HomerContext } from './homer-deps'

/** The vouched client address of a request without a body (GET), else {@link UNVOUCHED_SOURCE}. */
export async function clientSource(c: HomerContext): Promise<string> {
  const { env, self } = c.get('services')
  const address = await vouchedClient(
    functionHopKeys(env, self),
    c.req.method,
    c.req.url,
    c.req.raw.headers,
    new Uint8Array()
  )
  return address ?? UNVOUCHED_SOURCE
}
