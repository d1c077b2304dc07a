/**
 * @module cli/commands/provision
 * `edgewater provision --csv FILE [--concurrency N]`: bulk provisioning from Clearwater's CSV
 * (provision-csv.ts) through Dime's Homestead-prov API (provision-subscriber.ts). Progress goes
 * to stderr every 100 subscribers; the summary (created, updated, unchanged, failed) to stdout.
 * Re-running the same file changes nothing and says so. A failed subscriber does not stop the
 * others; the command then exits 1 after the summary.
 */
import { readFile } from 'node:fs/promises'
import { parseCommandArgs } from '../args'
import { CliError, type Command } from '../command'
import { emit } from '../http'
import { parseSubscriberCsv } from '../provision-csv'
import { type ProvisionOutcome, provisionSubscriber } from '../provision-subscriber'

/** Subscribers provisioned at once (default) and at most. */
export const DEFAULT_CONCURRENCY = 8
export const MAX_CONCURRENCY = 64
const PROGRESS_EVERY = 100

export const provision: Command = {
  name: 'provision',
  summary:
    'bulk-provision subscribers from a Clearwater CSV (public id, private id, realm, password)',
  help: [
    'usage: edgewater provision --csv FILE [--concurrency N] [--json]',
    '',
    "Provisions every line of FILE through Dime's Homestead-prov API: a registration set, a service",
    'profile, the public id and the private id with its password. Lines are',
    '  public id, private id, realm, password',
    'as in Clearwater\'s bulk provisioning; "#" starts a comment; a "public_id,…" header is skipped.',
    'Idempotent: a subscriber already provisioned the same way is left unchanged.',
    '',
    `  --csv FILE         the CSV file`,
    `  --concurrency N    subscribers at once (default ${DEFAULT_CONCURRENCY}, at most ${MAX_CONCURRENCY})`,
    '  --json             print the summary as JSON',
  ].join('\n'),
  async run(args, ctx) {
    const { values } = parseCommandArgs(
      'provision',
      args,
      { csv: { type: 'string' }, concurrency: { type: 'string' } },
      { min: 0, max: 0, names: 'no arguments besides its options' }
    )
    if (!values.csv)
      throw new CliError('--csv FILE is required; see edgewater provision --help.', 2)
    const concurrency = Number(values.concurrency ?? DEFAULT_CONCURRENCY)
    if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > MAX_CONCURRENCY)
      throw new CliError(`--concurrency must be an integer 1–${MAX_CONCURRENCY}.`, 2)
    let text: string
    try {
      text = await readFile(values.csv, 'utf8')
    } catch (e) {
      throw new CliError(`cannot read ${values.csv} (${(e as NodeJS.ErrnoException).code ?? e}).`)
    }
    const parsed = parseSubscriberCsv(text)
    if (!parsed.ok) throw new CliError(`${values.csv} ${parsed.error}.`)
    const rows = parsed.rows
    await ctx.target()
    const counts: Record<ProvisionOutcome | 'failed', number> = {
      created: 0,
      updated: 0,
      unchanged: 0,
      failed: 0,
    }
    const failures: { line: number; impu: string; error: string }[] = []
    let next = 0
    let done = 0
    const started = ctx.now()
    const worker = async () => {
      while (next < rows.length) {
        const r = rows[next++]!
        try {
          counts[await provisionSubscriber(ctx, r)]++
        } catch (e) {
          counts.failed++
          failures.push({ line: r.line, impu: r.impu, error: (e as Error).message })
        }
        done++
        if (done % PROGRESS_EVERY === 0 || done === rows.length)
          ctx.err(`provision: ${done}/${rows.length}`)
      }
    }
    await Promise.all(Array.from({ length: Math.min(concurrency, rows.length) }, worker))
    const summary = { total: rows.length, ...counts, ms: ctx.now() - started, failures }
    emit(ctx, summary, () => [
      `${rows.length} subscribers: ${counts.created} created, ${counts.updated} updated, ${counts.unchanged} unchanged, ${counts.failed} failed`,
      ...failures.slice(0, 20).map((f) => `  line ${f.line} ${f.impu}: ${f.error}`),
    ])
    if (counts.failed > 0)
      throw new CliError(`${counts.failed} of ${rows.length} subscribers could not be provisioned.`)
  },
}
