/**
 * @module ellis/numbers/provisioning
 * Number allocation and deletion against Homestead-prov and Homer, step for step as Clearwater's
 * Ellis does them (clearwater-interfaces §1.4):
 * 1. take a number from the pool (pool-service.ts);
 * 2. without a given private id: private id = the URI without `sip:`, a new SIP password (48
 *    bits), `PUT /private/<impi>` with its digest HA1, `POST /irs/`, associate the two;
 * 3. public id: the private id's first IRS, a new service profile, the `<PublicIdentity>`, the
 *    default iFC (§1.5) on the profile the public id resolves to;
 * 4. in parallel with 3: the default simservs (§1.6) in Homer;
 * 5. any failure undoes every step already done, in reverse order, and returns the number to
 *    the pool; the caller gets the error (502 for an upstream failure).
 * Deletion: the last public id of a private id removes its IRS and the private id; otherwise only
 * the public id and its service profile go (never the "default" public id while others share
 * the private id). Then Homer's document, then the number goes back to the pool.
 */

import { DEFAULT_SIMSERVS_XML } from '../../../shared/ims/simservs-default'
import type { Logger } from '../../../shared/log/logger'
import { md5Hex } from '../../../shared/sip/md5'
import type { GlobalTable } from '../../../shared/vellum'
import type { Account } from '../accounts-store'
import { EllisError, UpstreamError } from '../api-errors'
import type { HomerClient } from '../homer-client'
import type { HomesteadClient } from '../homestead-client'
import { sipPassword } from '../secrets'
import type { TakenNumber } from './number-pool'
import type { PoolService } from './pool-service'

/**
 * clearwater-interfaces §1.5: MMTEL on every INVITE, no session case (both sides); before it, the
 * built-in Memento call list (§8) on every INVITE, so the list also holds calls MMTEL bars or
 * diverts (docs/memento.md).
 */
export function defaultIfcXml(domain: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?><ServiceProfile><InitialFilterCriteria><TriggerPoint><ConditionTypeCNF>0</ConditionTypeCNF><SPT><ConditionNegated>0</ConditionNegated><Group>0</Group><Method>INVITE</Method><Extension></Extension></SPT></TriggerPoint><ApplicationServer><ServerName>sip:memento.${domain}</ServerName><DefaultHandling>0</DefaultHandling></ApplicationServer></InitialFilterCriteria><InitialFilterCriteria><TriggerPoint><ConditionTypeCNF>0</ConditionTypeCNF><SPT><ConditionNegated>0</ConditionNegated><Group>0</Group><Method>INVITE</Method><Extension></Extension></SPT></TriggerPoint><ApplicationServer><ServerName>sip:mmtel.${domain}</ServerName><DefaultHandling>0</DefaultHandling></ApplicationServer></InitialFilterCriteria></ServiceProfile>`
}

export interface ProvisioningDeps {
  homestead: HomesteadClient
  homer: HomerClient
  pool: PoolService
  table: GlobalTable
  log: Logger
  domain: string
  /** For error details: this region's Dime base URL. */
  dimeUrl: string
}

export type AllocationSource =
  | { kind: 'pool'; pstn: boolean; privateId?: string }
  | { kind: 'specific'; sipUri: string; pstn: boolean; privateId: string; newPrivateId: boolean }

export interface Allocated {
  number: TakenNumber
  privateId: string
  /** Present only when a new private identity was created. */
  sipPassword: string | undefined
}

interface Undo {
  what: string
  run: () => Promise<unknown>
}

async function rollback(log: Logger, steps: Undo[], cause: unknown): Promise<void> {
  for (const step of [...steps].reverse()) {
    try {
      await step.run()
    } catch (err) {
      log.error('rollback step failed; manual cleanup may be needed', {
        step: step.what,
        error: err,
      })
    }
  }
  log.warn('number allocation rolled back', {
    steps: steps.map((s) => s.what),
    cause: cause instanceof Error ? cause.message : String(cause),
  })
}

export async function allocateNumber(
  d: ProvisioningDeps,
  account: Account,
  source: AllocationSource
): Promise<Allocated> {
  const undo: Undo[] = []
  const acct = { email: account.email, fullName: account.fullName }
  try {
    const number =
      source.kind === 'specific'
        ? await d.pool.takeSpecific(source.sipUri, source.pstn, acct)
        : await d.pool.allocate(acct, source.pstn)
    undo.push({
      what: 'return the number',
      run: () => d.pool.release(number.sipUri, account.email),
    })
    const uri = number.sipUri

    const createPrivate =
      source.kind === 'specific' ? source.newPrivateId : source.privateId === undefined
    const impi =
      source.kind === 'specific'
        ? source.privateId
        : (source.privateId ?? uri.replace(/^sips?:/, ''))
    let password: string | undefined
    if (createPrivate) {
      password = sipPassword()
      await d.homestead.putPrivateDigest(impi, md5Hex(`${impi}:${d.domain}:${password}`), d.domain)
      undo.push({ what: 'delete the private id', run: () => d.homestead.deletePrivate(impi) })
      const irs = await d.homestead.createIrs()
      undo.push({ what: 'delete the IRS', run: () => d.homestead.deleteIrs(irs) })
      await d.homestead.associateIrs(impi, irs)
    }

    const simservs = d.homer.putSimservs(uri, DEFAULT_SIMSERVS_XML).then(() => {
      undo.push({ what: 'delete the simservs', run: () => d.homer.deleteSimservs(uri) })
    })
    const identity = (async () => {
      const sets = await d.homestead.irsOfPrivate(impi)
      const irs = sets?.[0]
      // A private id the caller named that Homestead does not know is the caller's mistake (400);
      // one created just now and already missing is Homestead's (502).
      if (!irs && !createPrivate)
        throw new EllisError(
          400,
          `private_id: ${impi} is unknown or has no implicit registration set`
        )
      if (!irs)
        throw new UpstreamError(
          404,
          `${d.dimeUrl}/private/${encodeURIComponent(impi)}/associated_implicit_registration_sets`,
          `private identity ${impi} is unknown or has no implicit registration set`
        )
      const sp = await d.homestead.createServiceProfile(irs)
      undo.push({
        what: 'delete the service profile',
        run: () => d.homestead.deleteServiceProfile(sp),
      })
      await d.homestead.putPublicId(sp, uri)
      undo.push({ what: 'delete the public id', run: () => d.homestead.deletePublicId(sp, uri) })
      const resolved = (await d.homestead.serviceProfileOf(uri)) ?? sp
      await d.homestead.putFilterCriteria(resolved, defaultIfcXml(d.domain))
    })()
    const settled = await Promise.allSettled([identity, simservs])
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected')
    if (failed) throw failed.reason

    await d.pool.confirm(uri, account.email, impi)
    return { number, privateId: impi, sipPassword: password }
  } catch (err) {
    await rollback(d.log, undo, err)
    throw err
  }
}

/** Removes a number from Homestead-prov and Homer, then returns it to the pool. */
export async function deleteNumber(
  d: ProvisioningDeps,
  email: string,
  sipUri: string
): Promise<void> {
  const privateIds = await d.homestead.privateIdsOf(sipUri)
  const impi = privateIds?.[0]
  if (impi !== undefined) {
    const publicIds = await d.homestead.publicIdsOfPrivate(impi)
    const others = publicIds.filter((p) => p !== sipUri)
    if (others.length === 0) {
      for (const irs of (await d.homestead.irsOfPrivate(impi)) ?? [])
        await d.homestead.deleteIrs(irs)
      await d.homestead.deletePrivate(impi)
    } else {
      if (sipUri.replace(/^sips?:/, '') === impi)
        throw new EllisError(
          403,
          `${sipUri} is the default public identity of ${impi}; delete the other numbers sharing it first`,
          { sharing: others }
        )
      const sp = await d.homestead.serviceProfileOf(sipUri)
      if (sp) {
        await d.homestead.deletePublicId(sp, sipUri)
        await d.homestead.deleteServiceProfile(sp)
      }
    }
  }
  await d.homer.deleteSimservs(sipUri)
  await d.pool.release(sipUri, email)
}

/** Sets a new SIP password on the number's private id; returns it. */
export async function resetSipPassword(d: ProvisioningDeps, privateId: string): Promise<string> {
  const password = sipPassword()
  await d.homestead.putPrivateDigest(
    privateId,
    md5Hex(`${privateId}:${d.domain}:${password}`),
    d.domain
  )
  return password
}
