/**
 * @module dime/prov/prov-service
 * Homestead-prov's operations (clearwater-interfaces §2.2; crest provisioning handlers and
 * models.py): private ids, implicit registration sets, service profiles, public ids and
 * filter criteria, with the same relationships and cascades — deleting an IRS deletes its
 * service profiles and their public ids and dissociates its private ids; deleting a service
 * profile deletes its public ids; deleting a private id dissociates it everywhere. Every change
 * that touches a set ends in {@link ProvReconciler.afterChange} (cache invalidation and pushes to
 * Sprout). Results are small unions the routes turn into status codes.
 */

import type { SubscriberCache } from '../../../shared/homestead/subscriber-cache'
import type { PrivateIdRecord, SubscriberStore } from '../../../shared/homestead/subscriber-store'
import { parsePublicIdentityXml } from '../../../shared/ims/public-identity'
import type { PushOutcome } from '../homestead/sprout-push'
import type { ProvReconciler } from './prov-reconcile'

/** Where a service profile stands relative to the IRS named in the URL (crest verify_relationships). */
export type SpCheck = 'ok' | 'not-found' | 'not-child'

export type PublicIdPut =
  | { kind: 'ok'; pushes: PushOutcome[] }
  | { kind: 'bad-xml'; reason: string }
  | { kind: 'identity-mismatch'; reason: string }
  | { kind: 'not-found' | 'not-child' }

export class ProvisioningService {
  constructor(
    readonly store: SubscriberStore,
    private readonly cache: SubscriberCache,
    private readonly reconciler: ProvReconciler,
    private readonly now: () => number,
    private readonly newId: () => string = () => crypto.randomUUID()
  ) {}

  // ---- private ids ----

  async putPrivateId(rec: PrivateIdRecord): Promise<void> {
    await this.store.putPrivateId(rec)
    await this.cache.refresh([], [rec.impi])
  }

  /** Deletes a private id and its links; false when it did not exist. */
  async deletePrivateId(impi: string): Promise<boolean> {
    const irsIds = await this.store.irsOfPrivateId(impi)
    const befores = await Promise.all(irsIds.map((irs) => this.store.loadIrs(irs)))
    await Promise.all(irsIds.map((irs) => this.store.unlink(impi, irs)))
    const existed = await this.store.deletePrivateItem(impi)
    await this.cache.refresh([], [impi])
    for (const [i, irs] of irsIds.entries())
      await this.reconciler.afterChange(irs, befores[i], [impi])
    return existed || irsIds.length > 0
  }

  /** Links a private id and an IRS (crest associate_irs: both must exist). */
  async associate(impi: string, irs: string): Promise<'ok' | 'not-found'> {
    const [priv, irsExists] = await Promise.all([
      this.store.getPrivateId(impi),
      this.store.irsExists(irs),
    ])
    if (!priv || !irsExists) return 'not-found'
    const before = await this.store.loadIrs(irs)
    await this.store.link(impi, irs)
    await this.reconciler.afterChange(irs, before, [impi])
    return 'ok'
  }

  /** Unlinks a private id from an IRS; 'absent' when they were not linked. */
  async dissociate(impi: string, irs: string): Promise<'ok' | 'absent'> {
    const before = await this.store.loadIrs(irs)
    const removed = await this.store.unlink(impi, irs)
    await this.reconciler.afterChange(irs, before, [impi])
    return removed ? 'ok' : 'absent'
  }

  /** Public ids of every IRS of a private id; undefined when the private id is unknown. */
  async publicIdsOfPrivateId(impi: string): Promise<string[] | undefined> {
    const [priv, irsIds] = await Promise.all([
      this.store.getPrivateId(impi),
      this.store.irsOfPrivateId(impi),
    ])
    if (!priv) return undefined
    const bundles = await Promise.all(irsIds.map((irs) => this.store.loadIrs(irs)))
    return bundles.flatMap((b) => b.publicIds.map((p) => p.impu))
  }

  // ---- implicit registration sets ----

  async createIrs(): Promise<string> {
    const irs = this.newId()
    await this.store.createIrs(irs)
    return irs
  }

  /** Deletes an IRS with its service profiles and public ids; false when it did not exist. */
  async deleteIrs(irs: string): Promise<boolean> {
    const before = await this.store.loadIrs(irs)
    if (!before.exists) return false
    await Promise.all(before.publicIds.map((p) => this.store.deletePublicId(p.impu)))
    await Promise.all([
      ...before.serviceProfiles.map((sp) => this.store.deleteServiceProfileItem(irs, sp.sp)),
      ...before.privateIds.map((impi) => this.store.unlink(impi, irs)),
    ])
    await this.store.deleteIrsItems(irs)
    await this.reconciler.afterChange(irs, before)
    return true
  }

  /** Members of an IRS; undefined when it does not exist. */
  async irsMembers(
    irs: string
  ): Promise<{ publicIds: string[]; privateIds: string[] } | undefined> {
    const b = await this.store.loadIrs(irs)
    if (!b.exists) return undefined
    return { publicIds: b.publicIds.map((p) => p.impu), privateIds: b.privateIds }
  }

  // ---- service profiles ----

  async createServiceProfile(irs: string): Promise<string | undefined> {
    if (!(await this.store.irsExists(irs))) return undefined
    const sp = this.newId()
    await this.store.createServiceProfile(irs, sp)
    return sp
  }

  async checkServiceProfile(irs: string, sp: string): Promise<SpCheck> {
    if (await this.store.getServiceProfile(irs, sp)) return 'ok'
    return (await this.store.irsOfServiceProfile(sp)) ? 'not-child' : 'not-found'
  }

  /** Deletes a profile and its public ids. */
  async deleteServiceProfile(irs: string, sp: string): Promise<SpCheck> {
    const check = await this.checkServiceProfile(irs, sp)
    if (check !== 'ok') return check
    const before = await this.store.loadIrs(irs)
    const members = before.publicIds.filter((p) => p.sp === sp)
    await Promise.all(members.map((p) => this.store.deletePublicId(p.impu)))
    await this.store.deleteServiceProfileItem(irs, sp)
    await this.reconciler.afterChange(irs, before)
    return 'ok'
  }

  async publicIdsOfServiceProfile(
    irs: string,
    sp: string
  ): Promise<{ check: SpCheck; publicIds: string[] }> {
    const check = await this.checkServiceProfile(irs, sp)
    if (check !== 'ok') return { check, publicIds: [] }
    const pubs = await this.store.publicIdsOfServiceProfile(sp)
    return { check, publicIds: pubs.map((p) => p.impu) }
  }

  async getFilterCriteria(irs: string, sp: string): Promise<{ check: SpCheck; xml?: string }> {
    const rec = await this.store.getServiceProfile(irs, sp)
    if (!rec) return { check: await this.checkServiceProfile(irs, sp) }
    return rec.ifcXml === undefined ? { check: 'ok' } : { check: 'ok', xml: rec.ifcXml }
  }

  /** Stores a (validated) filter-criteria document. */
  async putFilterCriteria(irs: string, sp: string, xml: string): Promise<SpCheck> {
    const check = await this.checkServiceProfile(irs, sp)
    if (check !== 'ok') return check
    const before = await this.store.loadIrs(irs)
    await this.store.setFilterCriteria(irs, sp, xml)
    await this.reconciler.afterChange(irs, before)
    return 'ok'
  }

  // ---- public ids ----

  /**
   * Creates or replaces a public id in a profile. The `<Identity>` must equal the URL's public
   * id (crest: 403 "Incorrect XML Identity"). A public id moved from another set updates both.
   */
  async putPublicId(irs: string, sp: string, impu: string, xml: string): Promise<PublicIdPut> {
    const check = await this.checkServiceProfile(irs, sp)
    if (check !== 'ok') return { kind: check }
    const parsed = parsePublicIdentityXml(xml)
    if (!parsed.ok)
      return { kind: 'bad-xml', reason: `${parsed.error.path}: ${parsed.error.message}` }
    if (parsed.value.identity !== impu)
      return {
        kind: 'identity-mismatch',
        reason: `PublicIdentity.Identity "${parsed.value.identity}" differs from ${impu} in the URL`,
      }
    const existing = await this.store.getPublicId(impu)
    const moved = existing && existing.irs !== irs ? existing.irs : undefined
    const [before, movedBefore] = await Promise.all([
      this.store.loadIrs(irs),
      moved ? this.store.loadIrs(moved) : Promise.resolve(undefined),
    ])
    await this.store.putPublicId({
      impu,
      irs,
      sp,
      xml,
      barred: parsed.value.barred,
      ...(parsed.value.identityType !== undefined
        ? { identityType: parsed.value.identityType }
        : {}),
      created: existing?.created ?? this.now(),
    })
    const pushes = await this.reconciler.afterChange(irs, before)
    if (moved) pushes.push(...(await this.reconciler.afterChange(moved, movedBefore)))
    return { kind: 'ok', pushes }
  }

  async deletePublicId(irs: string, sp: string, impu: string): Promise<SpCheck> {
    const check = await this.checkServiceProfile(irs, sp)
    if (check !== 'ok') return check
    const pub = await this.store.getPublicId(impu)
    if (!pub) return 'not-found'
    if (pub.sp !== sp) return 'not-child'
    const before = await this.store.loadIrs(irs)
    await this.store.deletePublicId(impu)
    await this.reconciler.afterChange(irs, before)
    return 'ok'
  }

  /** The IRS and profile of a public id (for the `/public/...` redirects). */
  async locatePublicId(impu: string): Promise<{ irs: string; sp: string } | undefined> {
    const p = await this.store.getPublicId(impu)
    return p ? { irs: p.irs, sp: p.sp } : undefined
  }

  async privateIdsOfPublicId(impu: string): Promise<string[] | undefined> {
    const p = await this.store.getPublicId(impu)
    if (!p) return undefined
    return (await this.store.loadIrs(p.irs)).privateIds
  }
}
