/**
 * @module cli/provision-subscriber
 * Provisions one subscriber through Dime's Homestead-prov API (docs/dime.md), signed as any
 * internal request, idempotently:
 *
 * - the public id is already provisioned with this private id, realm and password: `unchanged`
 *   (two reads);
 * - it is provisioned but the private id's password or realm differ, or the private id is not
 *   associated with its registration set: the private id is written and associated: `updated`;
 * - it is not provisioned: a registration set, a service profile, the public id, the private id
 *   and their association are created: `created`.
 */
import { CliError, type CommandContext } from './command'
import { type CliResponse, callFunction } from './http'
import type { SubscriberRow } from './provision-csv'

export type ProvisionOutcome = 'created' | 'updated' | 'unchanged'

const enc = encodeURIComponent

function escapeXml(v: string): string {
  return v
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
}

async function dime(
  ctx: CommandContext,
  method: string,
  path: string,
  expect: number[],
  body?: string
): Promise<CliResponse> {
  const res = await callFunction(ctx, 'a', 'dime', path, {
    method,
    ...(body !== undefined ? { body } : {}),
  })
  if (!expect.includes(res.status))
    throw new CliError(
      `Dime answered ${res.status} to ${method} ${path}${res.text ? `: ${res.text.slice(0, 200)}` : ''}.`
    )
  return res
}

function location(res: CliResponse, what: string): string {
  const loc = res.headers.get('location')
  if (!loc) throw new CliError(`Dime created ${what} without a Location.`)
  return loc.replace(/^https?:\/\/[^/]+/, '')
}

async function writePrivate(ctx: CommandContext, r: SubscriberRow): Promise<void> {
  await dime(
    ctx,
    'PUT',
    `/private/${enc(r.impi)}`,
    [200],
    JSON.stringify({ plaintext_password: r.password, realm: r.realm })
  )
}

export async function provisionSubscriber(
  ctx: CommandContext,
  r: SubscriberRow
): Promise<ProvisionOutcome> {
  const pub = await dime(ctx, 'GET', `/public/${enc(r.impu)}/associated_private_ids`, [200, 404])
  if (pub.status === 200) {
    const ids = (pub.body as { private_ids?: string[] })?.private_ids ?? []
    const priv = await dime(ctx, 'GET', `/private/${enc(r.impi)}`, [200, 404])
    const stored = priv.body as { realm?: string; plaintext_password?: string } | undefined
    const same =
      priv.status === 200 && stored?.realm === r.realm && stored?.plaintext_password === r.password
    if (same && ids.includes(r.impi)) return 'unchanged'
    if (!same) await writePrivate(ctx, r)
    if (!ids.includes(r.impi)) {
      const irs = location(await dime(ctx, 'GET', `/public/${enc(r.impu)}/irs`, [303]), 'an IRS')
      await dime(
        ctx,
        'PUT',
        `/private/${enc(r.impi)}/associated_implicit_registration_sets/${irs.split('/')[2]}`,
        [200]
      )
    }
    return 'updated'
  }
  const irs = location(await dime(ctx, 'POST', '/irs/', [201]), 'a registration set')
  const sp = location(
    await dime(ctx, 'POST', `${irs}/service_profiles`, [201]),
    'a service profile'
  )
  await dime(
    ctx,
    'PUT',
    `${sp}/public_ids/${enc(r.impu)}`,
    [200],
    `<PublicIdentity><Identity>${escapeXml(r.impu)}</Identity></PublicIdentity>`
  )
  await writePrivate(ctx, r)
  await dime(
    ctx,
    'PUT',
    `/private/${enc(r.impi)}/associated_implicit_registration_sets/${irs.split('/')[2]}`,
    [200]
  )
  return 'created'
}
