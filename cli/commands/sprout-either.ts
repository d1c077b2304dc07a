/**
 * @module cli/commands/sprout-either
 * A signed request to Sprout of region a, or of region b when region a does not answer (its
 * region is down): the registration state is in both regions' KV (architecture §5).
 */
import type { Region } from '../../shared/config/regions'
import { CliError, type CommandContext } from '../command'
import { type CliResponse, callFunction } from '../http'

export async function sproutEitherRegion(
  ctx: CommandContext,
  method: string,
  path: string
): Promise<{ res: CliResponse; region: Region }> {
  let last: unknown
  for (const region of ['a', 'b'] as const) {
    try {
      const res = await callFunction(ctx, region, 'sprout', path, { method })
      if (res.status < 500) return { res, region }
      last = new CliError(`Sprout of region ${region} answered ${res.status}.`)
    } catch (e) {
      last = e
    }
  }
  throw last instanceof CliError ? last : new CliError('no region answered.')
}
