/**
 * @module homestead/reg-data-service
 * `GET|PUT /impu/<impu>/reg-data` (clearwater-interfaces §2.1), as Dime serves it over HTTP and
 * Sprout's in-process Homestead runs it: reads the set from the cache, runs the registration
 * state machine (registration-state.ts), writes a transition to the global table with an
 * optimistic version check (re-reading and re-deciding when another request or region won),
 * rewrites the cache entries of the whole set, and answers with the content of
 * `ClearwaterRegData` ({@link regDataXml} writes the document). A re-registration costs one KV
 * read; a transition costs the KV read, the conditional table write, a consistent re-read of the
 * set and the cache writes.
 */
import {
  buildRegDataXml,
  type ChargingAddresses,
  type RegistrationState,
} from '../ims/reg-data-xml'
import { ConditionFailed } from '../vellum/errors'
import { HSS_REREGISTRATION_TIME_S } from './homestead-config'
import {
  decideRegData,
  isDeregistration,
  type RegDataReqType,
  reportsPreviousState,
} from './registration-state'
import type { ImpuCacheRecord, SubscriberCache } from './subscriber-cache'
import type { SubscriberStore } from './subscriber-store'

/** What `ClearwaterRegData` carries besides the charging addresses (a deployment setting). */
export interface RegDataContent {
  state: RegistrationState
  /** Only on the answer to a PUT of reqtype reg or call. */
  previousState?: RegistrationState
  /** The set's `<IMSSubscription>` element (absent only if the set lost it meanwhile). */
  subscriptionXml?: string
}

export type RegDataOutcome =
  | { status: 200; data: RegDataContent }
  | { status: 400 | 404; reason: string }

/** The `ClearwaterRegData` document of an answer (homestead_xml_utils.cpp). */
export function regDataXml(data: RegDataContent, charging: ChargingAddresses): string {
  return buildRegDataXml({
    state: data.state,
    ...(data.previousState ? { previousState: data.previousState } : {}),
    ...(data.subscriptionXml ? { imsSubscriptionXml: data.subscriptionXml } : {}),
    chargingAddresses: charging,
  })
}

export interface RegDataPut {
  type: RegDataReqType
  impi?: string
  serverName?: string
  /** Sprout's `wildcard_identity`: look the set up by it instead of the public id. */
  wildcardIdentity?: string
  noCache: boolean
}

/** Attempts at a transition before giving up to contention (each re-reads the set). */
const MAX_ATTEMPTS = 4

export class RegDataService {
  constructor(
    private readonly cache: SubscriberCache,
    private readonly store: SubscriberStore,
    private readonly now: () => number
  ) {}

  private answer(rec: ImpuCacheRecord, previous?: RegistrationState): RegDataOutcome {
    return {
      status: 200,
      data: {
        state: rec.reg.state,
        ...(previous ? { previousState: previous } : {}),
        ...(rec.subscriptionXml ? { subscriptionXml: rec.subscriptionXml } : {}),
      },
    }
  }

  /**
   * The set's state and data. With `impi` (Sprout's REGISTER sends the authenticated private
   * identity on every request), a set that private identity does not belong to is 404, as for
   * a PUT: reading another subscriber's registration is not allowed.
   */
  async get(impu: string, impi?: string): Promise<RegDataOutcome> {
    const rec = await this.cache.impu(impu)
    if (!rec || rec.subscriptionXml === null)
      return { status: 404, reason: `no IMS subscription for ${impu}` }
    if (impi !== undefined && !rec.privateIds.includes(impi))
      return { status: 404, reason: `private identity ${impi} cannot register ${impu}` }
    return this.answer(rec)
  }

  /** Re-reads the set from the global table and rewrites its cache entries. */
  private async reload(irs: string): Promise<ImpuCacheRecord | undefined> {
    const bundle = await this.store.loadIrs(irs)
    if (!bundle.exists) return undefined
    const rec = this.cache.recordOf(bundle)
    await this.cache.writeAll(rec)
    return rec
  }

  async put(impu: string, req: RegDataPut): Promise<RegDataOutcome> {
    const id = req.wildcardIdentity ?? impu
    let rec = await this.cache.impu(id)
    if (!rec) {
      // Homestead treats an unknown identity as NOT_REGISTERED: deregistering it is the loop
      // that the 400 protects against; anything else is an unknown user.
      return isDeregistration(req.type)
        ? { status: 400, reason: `${id} is not registered` }
        : { status: 404, reason: `no IMS subscription for ${id}` }
    }
    if (rec.subscriptionXml === null)
      return { status: 404, reason: `the registration set of ${id} has no sip: public identity` }
    if (req.impi !== undefined && !rec.privateIds.includes(req.impi))
      return { status: 404, reason: `private identity ${req.impi} cannot register ${id}` }
    const impi = req.impi ?? rec.reg.impis[0] ?? rec.privateIds[0]

    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const previous = rec.reg.state
      const decision = decideRegData(rec.reg, {
        type: req.type,
        ...(impi !== undefined ? { impi } : {}),
        ...(req.serverName ? { serverName: req.serverName } : {}),
        noCache: req.noCache,
        recordAgeS: (this.now() - rec.builtAt) / 1000,
        reregistrationTimeS: HSS_REREGISTRATION_TIME_S,
      })
      const prev = reportsPreviousState(req.type) ? previous : undefined
      if (decision.kind === 'reject') return { status: 400, reason: decision.reason }
      if (decision.kind === 'unchanged') {
        if (decision.refresh) {
          const fresh = await this.reload(rec.irs)
          if (!fresh) return { status: 404, reason: `no IMS subscription for ${id}` }
          rec = fresh
        }
        return this.answer(rec, prev)
      }
      try {
        await this.store.putRegistration(rec.irs, decision.next, rec.reg.version)
      } catch (err) {
        if (!(err instanceof ConditionFailed)) throw err
        const fresh = await this.reload(rec.irs)
        if (!fresh) return { status: 404, reason: `no IMS subscription for ${id}` }
        rec = fresh
        continue
      }
      const fresh = await this.reload(rec.irs)
      if (!fresh) return { status: 404, reason: `no IMS subscription for ${id}` }
      return this.answer(fresh, prev)
    }
    throw new Error(`registration state of ${id} kept changing under contention`)
  }
}
