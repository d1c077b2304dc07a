/**
 * @module homestead/subscriber-store
 * The HSS role's master data in the global table (Homestead-prov's Cassandra schema, crest
 * models.py, in the single-table design of docs/global-table.md): private ids with their digest,
 * private id ↔ IRS links, implicit registration sets, service profiles with their iFC document,
 * public ids with their PublicIdentity document, the registration state of each IRS, and one
 * listing item per public id for the paced `GET /public/` listing. Reads of an IRS take two
 * sequential round trips (the public id, then the set's partition and its gsi1 members in
 * parallel). No caching here: subscriber-cache.ts sits on top.
 */
import type { Clock } from '../config/clock'
import type { RegistrationState } from '../ims/reg-data-xml'
import type { GlobalTable, Item, QueryOptions } from '../vellum/global-table'
import {
  IMPI_IRS_PREFIX,
  IRS_MEMBER_PREFIX,
  IRS_SERVICE_PROFILE_PREFIX,
  irsIndexPk,
  irsKey,
  privateIdIrsLink,
  privateIdKey,
  publicIdIndexes,
  publicIdKey,
  serviceProfileIndexPk,
  serviceProfileKey,
} from '../vellum/keys'
import {
  listingPartitionPk,
  publicIdListingKey,
  registrationStateKey,
  SERVICE_PROFILE_INDEX_SK,
} from './homestead-keys'

export interface PrivateIdRecord {
  impi: string
  digestHa1: string
  realm: string
  plaintextPassword?: string
}

export interface ServiceProfileRecord {
  irs: string
  sp: string
  ifcXml?: string
  created: number
}

export interface PublicIdRecord {
  impu: string
  irs: string
  sp: string
  xml: string
  barred: boolean
  identityType?: number
  created: number
}

export interface RegistrationRecord {
  state: RegistrationState
  /** Private ids that registered (or were assigned) the set. */
  impis: string[]
  /** S-CSCF serving the set, as Sprout named it. */
  scscf?: string
  /** Table version, for the optimistic write of the next transition. */
  version?: number
}

/** One public id as the listing sees it. */
export interface ListingEntry {
  impu: string
  irs: string
  sp: string
}

/** Everything about one implicit registration set, read in one go. */
export interface IrsBundle {
  irs: string
  exists: boolean
  /** In creation order. */
  serviceProfiles: ServiceProfileRecord[]
  /** In creation order. */
  publicIds: PublicIdRecord[]
  privateIds: string[]
  reg?: RegistrationRecord
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined)
const num = (v: unknown): number => (typeof v === 'number' ? v : 0)
const byCreated =
  <T extends { created: number }>(key: (t: T) => string) =>
  (a: T, b: T) =>
    a.created - b.created || (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0)

function toPublicId(it: Item): PublicIdRecord {
  const rec: PublicIdRecord = {
    impu: str(it.impu) ?? it.pk.slice('IMPU#'.length),
    irs: str(it.irs) ?? '',
    sp: str(it.sp) ?? '',
    xml: str(it.public_identity_xml) ?? '',
    barred: it.barring === true,
    created: num(it.created),
  }
  if (typeof it.identity_type === 'number') rec.identityType = it.identity_type
  return rec
}

function toServiceProfile(irs: string, it: Item): ServiceProfileRecord {
  const rec: ServiceProfileRecord = {
    irs,
    sp: it.sk.slice(IRS_SERVICE_PROFILE_PREFIX.length),
    created: num(it.created),
  }
  const ifc = str(it.ifc_xml)
  if (ifc !== undefined) rec.ifcXml = ifc
  return rec
}

export function toRegistration(it: Item | undefined): RegistrationRecord | undefined {
  if (!it) return undefined
  const rec: RegistrationRecord = {
    state: (str(it.state) as RegistrationState | undefined) ?? 'NOT_REGISTERED',
    impis: Array.isArray(it.impis)
      ? it.impis.filter((x): x is string => typeof x === 'string')
      : [],
  }
  const scscf = str(it.scscf)
  if (scscf) rec.scscf = scscf
  if (typeof it.version === 'number') rec.version = it.version
  return rec
}

export class SubscriberStore {
  constructor(
    private readonly table: GlobalTable,
    private readonly clock: Clock
  ) {}

  /** Every item of a query, following the cursor. */
  async queryAll(opts: QueryOptions): Promise<Item[]> {
    const out: Item[] = []
    let cursor: string | undefined
    do {
      const page = await this.table.query({ ...opts, ...(cursor ? { cursor } : {}) })
      out.push(...page.items)
      cursor = page.cursor
    } while (cursor)
    return out
  }

  // ---- private ids ----

  async getPrivateId(impi: string): Promise<PrivateIdRecord | undefined> {
    const it = await this.table.get(privateIdKey(impi))
    if (!it) return undefined
    const rec: PrivateIdRecord = {
      impi,
      digestHa1: str(it.digest_ha1) ?? '',
      realm: str(it.realm) ?? '',
    }
    const pw = str(it.plaintext_password)
    if (pw) rec.plaintextPassword = pw
    return rec
  }

  async putPrivateId(rec: PrivateIdRecord): Promise<void> {
    await this.table.put({
      ...privateIdKey(rec.impi),
      impi: rec.impi,
      digest_ha1: rec.digestHa1,
      realm: rec.realm,
      // A digest PUT clears any stored plaintext password (crest private.py).
      plaintext_password: rec.plaintextPassword ?? '',
    })
  }

  async deletePrivateItem(impi: string): Promise<boolean> {
    return (await this.table.delete(privateIdKey(impi))) !== undefined
  }

  async irsOfPrivateId(impi: string): Promise<string[]> {
    const items = await this.queryAll({
      pk: privateIdKey(impi).pk,
      sk: { prefix: IMPI_IRS_PREFIX },
      consistent: true,
    })
    return items.map((i) => i.sk.slice(IMPI_IRS_PREFIX.length))
  }

  async link(impi: string, irs: string): Promise<void> {
    await this.table.put({ ...privateIdIrsLink(impi, irs), impi, irs })
  }

  /** Removes a link; false when there was none. */
  async unlink(impi: string, irs: string): Promise<boolean> {
    const l = privateIdIrsLink(impi, irs)
    return (await this.table.delete({ pk: l.pk, sk: l.sk })) !== undefined
  }

  // ---- implicit registration sets and service profiles ----

  async createIrs(irs: string): Promise<void> {
    await this.table.put(
      { ...irsKey(irs), irs, created: this.clock.now() },
      { condition: { ifNotExists: true } }
    )
  }

  async irsExists(irs: string): Promise<boolean> {
    return (await this.table.get(irsKey(irs))) !== undefined
  }

  async deleteIrsItems(irs: string): Promise<void> {
    await Promise.all([
      this.table.delete(irsKey(irs)),
      this.table.delete(registrationStateKey(irs)),
    ])
  }

  async createServiceProfile(irs: string, sp: string): Promise<void> {
    await this.table.put(
      {
        ...serviceProfileKey(irs, sp),
        // Also in its gsi2 partition (beside its public ids), so a profile id alone finds its IRS.
        gsi2pk: serviceProfileIndexPk(sp),
        gsi2sk: SERVICE_PROFILE_INDEX_SK,
        irs,
        sp,
        created: this.clock.now(),
      },
      { condition: { ifNotExists: true } }
    )
  }

  /** The IRS a service profile id belongs to, if the profile exists. */
  async irsOfServiceProfile(sp: string): Promise<string | undefined> {
    const page = await this.table.query({
      pk: serviceProfileIndexPk(sp),
      index: 'gsi2',
      sk: { eq: SERVICE_PROFILE_INDEX_SK },
      limit: 1,
    })
    return str(page.items[0]?.irs)
  }

  async getServiceProfile(irs: string, sp: string): Promise<ServiceProfileRecord | undefined> {
    const it = await this.table.get(serviceProfileKey(irs, sp))
    return it ? toServiceProfile(irs, it) : undefined
  }

  async setFilterCriteria(irs: string, sp: string, xml: string): Promise<void> {
    await this.table.update(
      serviceProfileKey(irs, sp),
      { set: { ifc_xml: xml } },
      { condition: { ifExists: true } }
    )
  }

  async deleteServiceProfileItem(irs: string, sp: string): Promise<void> {
    await this.table.delete(serviceProfileKey(irs, sp))
  }

  /** The public ids of one service profile (gsi2), in creation order. */
  async publicIdsOfServiceProfile(sp: string): Promise<PublicIdRecord[]> {
    const items = await this.queryAll({
      pk: serviceProfileIndexPk(sp),
      index: 'gsi2',
      sk: { prefix: IRS_MEMBER_PREFIX.publicIds },
    })
    return items.map(toPublicId).sort(byCreated((p) => p.impu))
  }

  // ---- public ids ----

  async getPublicId(impu: string): Promise<PublicIdRecord | undefined> {
    const it = await this.table.get(publicIdKey(impu), { consistent: true })
    return it ? toPublicId(it) : undefined
  }

  /** Writes a public id and its listing item together. */
  async putPublicId(rec: PublicIdRecord): Promise<void> {
    const item: Item = {
      ...publicIdKey(rec.impu),
      ...publicIdIndexes(rec.impu, rec.irs, rec.sp),
      impu: rec.impu,
      irs: rec.irs,
      sp: rec.sp,
      public_identity_xml: rec.xml,
      barring: rec.barred,
      created: rec.created,
    }
    if (rec.identityType !== undefined) item.identity_type = rec.identityType
    await this.table.transact([
      { put: item },
      { put: { ...publicIdListingKey(rec.impu), impu: rec.impu, irs: rec.irs, sp: rec.sp } },
    ])
  }

  async deletePublicId(impu: string): Promise<void> {
    await this.table.transact([{ delete: publicIdKey(impu) }, { delete: publicIdListingKey(impu) }])
  }

  /** Listing entries of one partition whose ring position is within [from, to] (hex8). */
  async listingRange(partition: number, from: string, to: string): Promise<ListingEntry[]> {
    const items = await this.queryAll({
      pk: listingPartitionPk(partition),
      // `$` sorts right after `#`: every item at hash `to` is below `<to>$`.
      sk: { between: [from, `${to}$`] },
    })
    return items
      .map((i) => ({ impu: str(i.impu) ?? '', irs: str(i.irs) ?? '', sp: str(i.sp) ?? '' }))
      .filter((e) => e.impu !== '')
  }

  // ---- registration state ----

  /**
   * Writes the set's registration state if it is still at `expectedVersion` (absent when
   * undefined); throws ConditionFailed otherwise. Returns the stored record.
   */
  async putRegistration(
    irs: string,
    next: Omit<RegistrationRecord, 'version'>,
    expectedVersion: number | undefined
  ): Promise<RegistrationRecord> {
    const stored = await this.table.put(
      {
        ...registrationStateKey(irs),
        state: next.state,
        impis: next.impis,
        scscf: next.scscf ?? null,
        updated_at: this.clock.now(),
      },
      {
        condition:
          expectedVersion === undefined ? { ifNotExists: true } : { ifVersion: expectedVersion },
      }
    )
    return toRegistration(stored) as RegistrationRecord
  }

  // ---- whole sets ----

  /** The set's profiles, members and registration state (two parallel queries). */
  async loadIrs(irs: string): Promise<IrsBundle> {
    const [own, members] = await Promise.all([
      this.queryAll({ pk: irsKey(irs).pk, consistent: true }),
      this.queryAll({ pk: irsIndexPk(irs), index: 'gsi1' }),
    ])
    const bundle: IrsBundle = {
      irs,
      exists: false,
      serviceProfiles: [],
      publicIds: [],
      privateIds: [],
    }
    for (const it of own) {
      if (it.sk === 'IRS') bundle.exists = true
      else if (it.sk.startsWith(IRS_SERVICE_PROFILE_PREFIX))
        bundle.serviceProfiles.push(toServiceProfile(irs, it))
      else if (it.sk === registrationStateKey(irs).sk) {
        const reg = toRegistration(it)
        if (reg) bundle.reg = reg
      }
    }
    for (const it of members) {
      const sk = str(it.gsi1sk) ?? ''
      if (sk.startsWith(IRS_MEMBER_PREFIX.privateIds))
        bundle.privateIds.push(sk.slice(IRS_MEMBER_PREFIX.privateIds.length))
      else if (sk.startsWith(IRS_MEMBER_PREFIX.publicIds)) bundle.publicIds.push(toPublicId(it))
    }
    bundle.serviceProfiles.sort(byCreated((s) => s.sp))
    bundle.publicIds.sort(byCreated((p) => p.impu))
    bundle.privateIds.sort()
    return bundle
  }
}
