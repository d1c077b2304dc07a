/**
 * @module cli/commands/trace
 * `edgewater trace <call-id>`: a call's trace as a text ladder (shared/trace/text-ladder.ts),
 * one column per party and component, one line per message with the time since the one before;
 * `--messages` also prints every message, `--json` the records and the ladder
 * (docs/operations.md#traces).
 */
import { renderTextLadder } from '../../shared/trace/text-ladder'
import { parseCommandArgs } from '../args'
import { CliError, type Command } from '../command'
import { emit } from '../http'
import { type CallTrace, opsGet, regionOption } from './trace-api'

export const trace: Command = {
  name: 'trace',
  summary: "a call's SIP ladder from its trace",
  help: [
    'usage: edgewater trace <call-id> [--messages] [--region a|b] [--json]',
    '',
    'Prints the call as a SIP ladder: one column per party (UA, edge, Sprout of each region,',
    'application servers, Ralf/Dime/Homer), one line per message with the milliseconds since the',
    'previous one; "!" marks a failure. --messages also prints each message as it was recorded.',
    'A call is traced when it failed, was sampled, or a subscriber of it is on full tracing',
    '(edgewater traces --help; docs/operations.md#traces).',
  ].join('\n'),
  async run(args, ctx) {
    const { positionals, values } = parseCommandArgs(
      'trace',
      args,
      { messages: { type: 'boolean' }, region: { type: 'string' } },
      { min: 1, max: 1, names: 'one <call-id>' }
    )
    const callId = positionals[0]!
    const found = await opsGet<CallTrace>(
      ctx,
      `/traces/${encodeURIComponent(callId)}`,
      regionOption(values.region)
    )
    if (!found) throw new CliError(`no trace of call ${callId} (not traced, or expired).`)
    emit(ctx, found, () => {
      const lines = [
        `call ${found.callId}  trace ${found.traceIds.join(', ')}  ${found.records.length} messages`,
        '',
        ...renderTextLadder(found.ladder),
      ]
      if (values.messages)
        for (const [i, a] of found.ladder.arrows.entries()) {
          const r = found.records[a.record]!
          lines.push(
            '',
            `#${i + 1} ${r.from} -> ${r.to}  ${new Date(r.at).toISOString()}  (${r.component} ${r.region})`,
            ...r.message.split(/\r?\n/).map((l) => `  ${l}`)
          )
        }
      return lines
    })
  },
}
