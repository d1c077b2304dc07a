/**
 * @module cli/commands/deregister
 * `edgewater deregister <impu> [--notify]`: administrative deregistration of a public identity's
 * registration (Sprout's `DELETE /impu/<impu>`, functions/sprout/admin.ts): its bindings are
 * removed and the HSS told `dereg-admin`; with `--notify` the reg-event subscribers get a NOTIFY
 * (RFC 3680) and the application servers a third-party de-REGISTER.
 */
import { parseCommandArgs } from '../args'
import { CliError, type Command } from '../command'
import { emit } from '../http'
import { sproutEitherRegion } from './sprout-either'

export const deregister: Command = {
  name: 'deregister',
  summary: "remove a public identity's registration (administrative deregistration)",
  help: [
    'usage: edgewater deregister <impu> [--notify] [--json]',
    '',
    "Removes every binding of <impu>'s registration and tells the HSS (dereg-admin).",
    '  --notify   also send reg-event NOTIFYs to its subscribers (default: none)',
  ].join('\n'),
  async run(args, ctx) {
    const { positionals, values } = parseCommandArgs(
      'deregister',
      args,
      { notify: { type: 'boolean' } },
      { min: 1, max: 1, names: 'one <impu>' }
    )
    const impu = positionals[0]!
    const notify = values.notify === true
    const { res, region } = await sproutEitherRegion(
      ctx,
      'DELETE',
      `/impu/${encodeURIComponent(impu)}?send-notifications=${notify}`
    )
    if (res.status === 400 || res.status === 404)
      throw new CliError(`${impu} has no registration to remove.`)
    if (res.status >= 300)
      throw new CliError(`Sprout answered ${res.status}: ${res.text.slice(0, 200)}.`)
    emit(ctx, { impu, region, deregistered: true, notified: notify }, () => [
      `${impu} deregistered (region ${region})${notify ? ', subscribers notified' : ''}`,
    ])
  },
}
