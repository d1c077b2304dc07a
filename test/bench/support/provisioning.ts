/**
 * @module bench provisioning
 * Subscribers for the Edgewater side of a bench, provisioned as Ellis does through Dime's
 * Homestead-prov API (support/edgewater-use), ten at a time so a loaded cloud is not flooded.
 * With `mmtel` each line also gets Ellis's default MMTEL iFC and default simservs in Homer, as
 * the call scenarios need.
 */
import type { Endpoints } from '../../../infra/local/cloud'
import { DEFAULT_SIMSERVS_XML } from '../../../shared/ims/simservs-default'
import { mmtelIfc, provisionSubscriber, signed } from './edgewater-use'
import type { Account } from './register-load'

/** Provisioned at once; the rest wait for the batch before them. */
const BATCH = 10

export interface ProvisionOptions {
  /** Digits that make the numbers unique to this run (for example the end of `Date.now()`). */
  prefix: string
  /** Add the default MMTEL iFC and simservs document (call scenarios). */
  mmtel?: boolean
  password?: string
}

/** `n` subscribers numbered `<prefix><000…>`, in order. */
export async function provisionAccounts(
  e: Endpoints,
  n: number,
  opts: ProvisionOptions
): Promise<Account[]> {
  const password = opts.password ?? 'bench-pw'
  const one = async (i: number): Promise<Account> => {
    const a = await provisionSubscriber(e, `${opts.prefix}${String(i).padStart(3, '0')}`, password)
    if (opts.mmtel) {
      await signed(e, `${e.functions.a.dime}${a.sp}/filter_criteria`, 'PUT', mmtelIfc(e.homeDomain))
      await signed(
        e,
        `${e.functions.a.homer}/org.etsi.ngn.simservs/users/${encodeURIComponent(a.impu)}/simservs.xml`,
        'PUT',
        DEFAULT_SIMSERVS_XML,
        { 'content-type': 'application/vnd.etsi.simservs+xml' }
      )
    }
    return a
  }
  const out: Account[] = []
  for (let i = 0; i < n; i += BATCH)
    out.push(
      ...(await Promise.all(Array.from({ length: Math.min(BATCH, n - i) }, (_, k) => one(i + k))))
    )
  return out
}

/** A run-unique number prefix of `digits` digits after `lead` (the end of the current time). */
export const runPrefix = (lead: string, digits: number): string =>
  `${lead}${String(Date.now()).slice(-digits)}`
