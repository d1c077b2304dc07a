/**
 * @module cli/commands/traces
 * `edgewater traces --impu <uri> [--since 1h]`: the traced calls of a public identity in a time
 * range, newest first (docs/operations.md#traces); `edgewater trace <call-id>` draws one.
 */
import { parseCommandArgs } from '../args'
import { CliError, type Command } from '../command'
import { emit } from '../http'
import { type ImpuTraces, opsGet, regionOption } from './trace-api'

const SINCE = /^\d{1,6}[smhd]$/

export const traces: Command = {
  name: 'traces',
  summary: 'the traced calls of an IMPU in a time range',
  help: [
    'usage: edgewater traces --impu <uri> [--since 1h] [--region a|b] [--json]',
    '',
    'Lists the traced calls naming <uri> (sip:alice@example.com or tel:+…) as caller or callee',
    'since --since ago (s, m, h or d; default 1h), newest first: start time, Call-ID and the',
    'identities the call names. edgewater trace <call-id> draws one of them.',
  ].join('\n'),
  async run(args, ctx) {
    const { values } = parseCommandArgs(
      'traces',
      args,
      { impu: { type: 'string' }, since: { type: 'string' }, region: { type: 'string' } },
      { min: 0, max: 0, names: 'no positional arguments' }
    )
    if (!values.impu) throw new CliError('--impu <uri> is needed; see edgewater traces --help.', 2)
    const since = values.since ?? '1h'
    if (!SINCE.test(since))
      throw new CliError(`--since takes a duration such as 30m, 1h or 2d, not ${since}.`, 2)
    const q = `impu=${encodeURIComponent(values.impu)}&since=${since}`
    const found = await opsGet<ImpuTraces>(ctx, `/traces?${q}`, regionOption(values.region))
    const calls = found?.calls ?? []
    emit(ctx, found ?? { impu: values.impu, calls }, () =>
      calls.length === 0
        ? [`no traced calls of ${values.impu} in the last ${since}.`]
        : [
            `${calls.length} traced call${calls.length === 1 ? '' : 's'} of ${values.impu} in the last ${since}:`,
            ...calls.map(
              (c) => `  ${new Date(c.at).toISOString()}  ${c.callId}  ${c.impus.join(' ')}`
            ),
          ]
    )
  },
}
