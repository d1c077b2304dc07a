/**
 * @module cli/commands/cdrs
 * `edgewater cdrs <call-id>`: a call's charging data records (Dime's `GET /cdrs?call-id=`,
 * docs/dime.md, Ralf), every page read by its cursor.
 */
import { parseCommandArgs } from '../args'
import { CliError, type Command } from '../command'
import { callFunction, emit } from '../http'

/** Pages read at most, so a runaway cursor cannot loop forever. */
export const MAX_PAGES = 100

interface Cdr {
  role_of_node?: string
  record_type?: string
  accounting_record_number?: number
  recorded_at?: number
  [k: string]: unknown
}

export const cdrs: Command = {
  name: 'cdrs',
  summary: "a call's charging data records",
  help: [
    'usage: edgewater cdrs <call-id> [--json]',
    '',
    'Prints the CDRs Ralf and Sprout recorded for <call-id>: record type, number, role and time.',
  ].join('\n'),
  async run(args, ctx) {
    const { positionals } = parseCommandArgs(
      'cdrs',
      args,
      {},
      { min: 1, max: 1, names: 'one <call-id>' }
    )
    const callId = positionals[0]!
    const all: Cdr[] = []
    let cursor: string | undefined
    for (let page = 0; page < MAX_PAGES; page++) {
      const q = `call-id=${encodeURIComponent(callId)}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`
      const res = await callFunction(ctx, 'a', 'dime', `/cdrs?${q}`)
      if (res.status !== 200)
        throw new CliError(`Dime answered ${res.status}: ${res.text.slice(0, 200)}.`)
      const body = res.body as { cdrs?: Cdr[]; cursor?: string; next_cursor?: string }
      all.push(...(body.cdrs ?? []))
      cursor = body.next_cursor ?? body.cursor
      if (!cursor) break
    }
    if (all.length === 0) throw new CliError(`no CDRs for call ${callId}.`)
    emit(ctx, { callId, cdrs: all }, () => [
      `${callId}: ${all.length} CDR${all.length === 1 ? '' : 's'}`,
      ...all.map((c) =>
        `  ${c.record_type ?? '?'} #${c.accounting_record_number ?? '?'} ${c.role_of_node ?? ''} ${
          typeof c.recorded_at === 'number' ? new Date(c.recorded_at).toISOString() : ''
        }`.trimEnd()
      ),
    ])
  },
}
