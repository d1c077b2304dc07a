/**
 * @module sprout/hss-local
 * Sprout's in-process Homestead: the {@link HssClient} answered by the same code Dime runs
 * behind its signalling API (shared/homestead: the Homestead cache in the regional KV, the
 * master data in the global table, the registration state machine), without the HTTP hop.
 * Answers and failures are those of Dime's API as hss-client.ts maps them
 * (clearwater-interfaces §2.1; sm_sip_mapping.cpp): an unknown identity or a private id that
 * may not use the set is Homestead's 404 → 403, deregistering an unregistered set 400 → 400,
 * a store outage 503 → 504.
 *
 * Costs: the digest AV of a REGISTER reads the private id's cache entry and, in the same
 * command (hss-read-ahead.ts), the set's entry its reg-data needs next (on a cold cache both are
 * filled from the table in parallel); a reg-data request on a
 * set whose state does not change reads one KV entry (none when read ahead); a cache miss, a
 * state transition (first registration, deregistration, `call` on an unregistered set) or the
 * re-registration-time refresh reads or writes the global table exactly as Dime does (the
 * conditional write with the version check, then the rewrite of the set's cache entries in both
 * regions).
 *
 * No subscriber data is cached in the isolate: provisioning changes delete the cache entries in
 * both regions (Dime's prov), so the next request sees them. Only the parsing of a subscription
 * document is remembered, by its exact text (parsed-subscriptions.ts), so a changed document is
 * parsed afresh.
 *
 * A store this region cannot reach (`Unavailable`) sends the request over the hop instead
 * (`fallback`: this region's Dime, then the other region's), so losing a region's table does
 * not stop registrations.
 */
import type { Clock } from '../../shared/config/clock'
import type { HomesteadConfig } from '../../shared/homestead/homestead-config'
import { impiCacheKey, impuCacheKey } from '../../shared/homestead/homestead-keys'
import { HssQueries } from '../../shared/homestead/hss-queries'
import {
  type RegDataContent,
  type RegDataOutcome,
  RegDataService,
} from '../../shared/homestead/reg-data-service'
import { SubscriberCache } from '../../shared/homestead/subscriber-cache'
import { SubscriberStore } from '../../shared/homestead/subscriber-store'
import type { ChargingAddresses, RegData } from '../../shared/ims/reg-data-xml'
import type { Logger } from '../../shared/log/logger'
import { Unavailable } from '../../shared/vellum/errors'
import type { GlobalTable } from '../../shared/vellum/global-table'
import type { RegionalKv } from '../../shared/vellum/regional-kv'
import { digestOf, type HssClient, HssError, sipStatusOf } from './hss-client'
import { ReadAheadKv } from './hss-read-ahead'
import { ParsedSubscriptions } from './parsed-subscriptions'

export interface LocalHssOptions {
  kv: RegionalKv
  table: GlobalTable
  clock: Clock
  /** The HSS role's settings (charging addresses, default S-CSCF), as Dime reads them. */
  homestead: HomesteadConfig
  /** This S-CSCF's URI, recorded as the set's server name on a transition. */
  serverName: string
  log: Logger
  /** Where a request goes when a store is unavailable (the HTTP client of hss-client.ts). */
  fallback?: HssClient
  /** Parsed IMS subscription documents, kept by text (default: none kept). */
  parsed?: ParsedSubscriptions
}

/** ClearwaterRegData carries at most two CCFs and two ECFs (homestead_xml_utils.cpp). */
const chargingOf = (c: ChargingAddresses): ChargingAddresses => ({
  ccfs: c.ccfs.slice(0, 2),
  ecfs: c.ecfs.slice(0, 2),
})

function regDataOf(
  d: RegDataContent,
  charging: ChargingAddresses,
  what: string,
  parsed: ParsedSubscriptions
): RegData {
  const out: RegData = { state: d.state, chargingAddresses: chargingOf(charging) }
  if (d.previousState) out.previousState = d.previousState
  if (d.subscriptionXml) {
    const sub = parsed.parse(d.subscriptionXml)
    if (!sub.ok)
      throw new HssError(
        `${what}: unreadable IMS subscription (${sub.error.path}: ${sub.error.message})`,
        200,
        500
      )
    out.subscription = sub.value
    out.imsSubscriptionXml = d.subscriptionXml
  }
  return out
}

export function createLocalHss(o: LocalHssOptions): HssClient {
  const kv = new ReadAheadKv(o.kv)
  const now = () => o.clock.now()
  const store = new SubscriberStore(o.table, o.clock)
  const cache = new SubscriberCache(kv, store, now)
  const queries = new HssQueries(cache, o.homestead)
  const regData = new RegDataService(cache, store, now)
  const parsed = o.parsed ?? new ParsedSubscriptions(0)

  const encoder = new TextEncoder()
  /** Dime's request limits refuse an identity too long for the table's keys with a 400. */
  function checkIdentities(ids: readonly (string | undefined)[]): void {
    for (const id of ids)
      if (id !== undefined && encoder.encode(id).length > o.homestead.maxIdentityBytes)
        throw new HssError(
          `identity longer than ${o.homestead.maxIdentityBytes} bytes`,
          400,
          sipStatusOf(400)
        )
  }

  async function run<T>(
    what: string,
    ids: readonly (string | undefined)[],
    op: () => Promise<T>,
    fallback: ((f: HssClient) => Promise<T>) | undefined
  ): Promise<T> {
    checkIdentities(ids)
    try {
      return await op()
    } catch (err) {
      if (err instanceof HssError) throw err
      const message = err instanceof Error ? err.message : String(err)
      if (err instanceof Unavailable && o.fallback && fallback) {
        o.log.warn('Homestead store unavailable; asking Dime', { what, error: message })
        return fallback(o.fallback)
      }
      // Dime answers a store outage 503 and anything else 500; Sprout maps both to 504.
      throw new HssError(`${what}: ${message}`, err instanceof Unavailable ? 503 : 500, 504)
    }
  }

  function reply(out: RegDataOutcome, what: string): RegData {
    if (out.status !== 200)
      throw new HssError(
        `${what}: HTTP ${out.status} ${out.reason}`,
        out.status,
        sipStatusOf(out.status)
      )
    return regDataOf(out.data, o.homestead.chargingAddresses, what, parsed)
  }

  return {
    digestVector: (impi, impu) =>
      run(
        'authentication vector',
        [impi, impu],
        async () => {
          // The set's entry is read with the private id's: the bind step's reg-data needs it next.
          await kv.readAhead([impiCacheKey(impi), impuCacheKey(impu)])
          // On a cold cache both entries are filled from the table at once. A failed fill is
          // left to the reg-data request, which reads again.
          const fill = kv.isAbsent(impuCacheKey(impu))
            ? cache.impu(impu).catch(() => undefined)
            : undefined
          const [a] = await Promise.all([queries.authVector(impi, 'digest', impu), fill])
          if (a.status !== 200)
            throw new HssError(
              `authentication vector: HTTP ${a.status} ${a.reason}`,
              a.status,
              sipStatusOf(a.status)
            )
          return digestOf(a.body)
        },
        (f) => f.digestVector(impi, impu)
      ),

    getRegData: (impu, impi) =>
      run(
        'reg-data',
        [impu, impi],
        async () => reply(await regData.get(impu, impi), 'reg-data'),
        (f) => f.getRegData(impu, impi)
      ),

    putRegData: (impu, reqtype, impi) =>
      run(
        `reg-data ${reqtype}`,
        [impu, impi],
        async () =>
          reply(
            await regData.put(impu, {
              type: reqtype,
              ...(impi !== undefined ? { impi } : {}),
              serverName: o.serverName,
              noCache: false,
            }),
            `reg-data ${reqtype}`
          ),
        (f) => f.putRegData(impu, reqtype, impi)
      ),

    readAheadKeys: (impi, impu) =>
      impi === undefined ? [impuCacheKey(impu)] : [impiCacheKey(impi), impuCacheKey(impu)],
    primeReadAhead: (keys, values) => kv.prime(keys, values),
  }
}
