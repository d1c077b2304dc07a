/**
 * @module ellis/ops/ops-flags
 * The per-IMPU full-tracing flags operators set through the ops API (docs/operations.md#traces):
 * kept in the trace store (one item per IMPU, with its expiry), then announced to Sprout of both
 * regions (`POST /trace/flags`, signed), which re-reads them at once. A region that does not
 * answer picks them up at its next read (TRACE_FLAGS_REFRESH_S, or its next start).
 */
import type { FunctionUrls, Region } from '../../../shared/config/regions'
import type { Fetch } from '../../../shared/hop/fetch'
import { signedFetch } from '../../../shared/hop/signed-fetch'

const NOTICE_TIMEOUT_MS = 3_000

/** Tells each region's Sprout the flags changed; answers the regions that took the notice. */
export async function announceFlags(
  fetchFn: Fetch,
  hopSecret: string,
  urls: FunctionUrls
): Promise<Region[]> {
  const regions = Object.keys(urls) as Region[]
  const out = await Promise.all(
    regions.map(async (region) => {
      try {
        const res = await signedFetch(fetchFn, hopSecret, `${urls[region].sprout}/trace/flags`, {
          method: 'POST',
          signal: AbortSignal.timeout(NOTICE_TIMEOUT_MS),
        })
        await res.body?.cancel()
        return res.ok ? region : undefined
      } catch {
        return undefined
      }
    })
  )
  return out.filter((r): r is Region => r !== undefined)
}
