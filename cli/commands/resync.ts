/**
 * @module cli/commands/resync
 * `edgewater resync <region>`: repairs `<region>`'s KV from the other region's after an outage
 * (the timers function's `POST /admin/resync`, shared/vellum/kv-resync.ts): every record the
 * other region holds is merged in newest-wins, so nothing newer is overwritten.
 */
import { isRegion, peerOf } from '../../shared/config/regions'
import { parseCommandArgs } from '../args'
import { CliError, type Command } from '../command'
import { callFunction, emit } from '../http'

export const resync: Command = {
  name: 'resync',
  summary: "repair a region's KV from the other region's",
  help: [
    'usage: edgewater resync <region> [--json]',
    '',
    "Copies into <region>'s KV (a or b) every record of the other region's that is newer or",
    'missing, as after the region was down. Prints what was scanned and repaired.',
  ].join('\n'),
  async run(args, ctx) {
    const { positionals } = parseCommandArgs(
      'resync',
      args,
      {},
      { min: 1, max: 1, names: 'one <region>' }
    )
    const region = positionals[0]
    if (!isRegion(region)) throw new CliError(`no region "${region}"; regions are a and b.`, 2)
    const from = peerOf(region)
    const res = await callFunction(ctx, region, 'timers', '/admin/resync', {
      method: 'POST',
      body: JSON.stringify({ from, to: region }),
    })
    if (res.status !== 200)
      throw new CliError(
        `resync of region ${region} failed: ${(res.body as { error?: string })?.error ?? res.status}.`
      )
    const report = res.body as Record<string, unknown>
    emit(ctx, report, () => [
      `region ${region} resynced from ${from}: ${Object.entries(report)
        .filter(([k, v]) => k !== 'from' && k !== 'to' && typeof v === 'number')
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}`,
    ])
  },
}
