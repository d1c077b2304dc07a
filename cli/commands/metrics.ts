/**
 * @module cli/commands/metrics
 * `edgewater metrics [--prometheus]`: the deployment's metrics summed over its components, per
 * region (shared/metrics/summary.ts): registrations, INVITE outcomes, auth failures, call setup
 * p50/p99, flows, KV fallbacks and repairs, breaker changes, timer pops, Ellis sign-ups and
 * allocations. From the local cloud's control API (`GET /metrics.json`); without one, from each
 * function's signed `GET /metrics` (on Lambda: the instance that answers, so CloudWatch is the
 * complete view there). `--prometheus` prints the text exposition instead.
 */
import { FUNCTIONS, REGIONS } from '../../shared/config/regions'
import { toPrometheus } from '../../shared/metrics/prometheus'
import { type MetricsSnapshot, sumSnapshots } from '../../shared/metrics/snapshot'
import { summarize } from '../../shared/metrics/summary'
import { parseCommandArgs } from '../args'
import { CliError, type Command, type CommandContext } from '../command'
import { callControl, callFunction, emit } from '../http'

async function collect(ctx: CommandContext): Promise<MetricsSnapshot> {
  const t = await ctx.target()
  if (t.control) {
    const res = await callControl(ctx, '/metrics.json')
    if (res.status !== 200)
      throw new CliError(`the control API answered ${res.status} for /metrics.json.`)
    return res.body as MetricsSnapshot
  }
  const snaps: MetricsSnapshot[] = []
  for (const r of REGIONS)
    for (const fn of FUNCTIONS) {
      const res = await callFunction(ctx, r, fn, '/metrics').catch(() => undefined)
      if (res?.status === 200) snaps.push(res.body as MetricsSnapshot)
    }
  if (snaps.length === 0) throw new CliError('no function answered GET /metrics.')
  return sumSnapshots(snaps)
}

const ms = (v: number | undefined) => (v === undefined ? '–' : `${Math.round(v)} ms`)

export const metricsCommand: Command = {
  name: 'metrics',
  summary: 'registrations, calls, failures and setup time per region',
  help: [
    'usage: edgewater metrics [--prometheus] [--json]',
    '',
    "Sums every component's metrics and prints, per region: registrations (initial, reregister,",
    'deregister), INVITE outcomes by class, auth failures, call setup p50/p99, flows open, KV',
    'fallbacks and repairs, breaker changes, timer pops, Ellis sign-ups and allocations.',
    '  --prometheus   print the Prometheus text exposition instead',
    '  --json         print the per-region summary and the full snapshot as JSON',
  ].join('\n'),
  async run(args, ctx) {
    const { values } = parseCommandArgs(
      'metrics',
      args,
      { prometheus: { type: 'boolean' } },
      { min: 0, max: 0, names: 'no arguments' }
    )
    const snap = await collect(ctx)
    if (values.prometheus) {
      ctx.out(toPrometheus(snap).trimEnd())
      return
    }
    const summary = summarize(snap, REGIONS)
    emit(ctx, { regions: summary, snapshot: snap }, () =>
      Object.entries(summary).flatMap(([region, s]) => [
        `region ${region}`,
        `  registrations  initial ${s.registrations.initial}, reregister ${s.registrations.reregister}, deregister ${s.registrations.deregister}`,
        `  INVITEs        ${
          Object.entries(s.invites)
            .map(([k, v]) => `${k} ${v}`)
            .join(', ') || 'none'
        }`,
        `  auth failures  ${s.authFailures}`,
        `  call setup     ${s.setupMs.count} calls, p50 ${ms(s.setupMs.p50)}, p99 ${ms(s.setupMs.p99)}`,
        `  flows open     ${s.flowsOpen}`,
        `  KV             ${s.kvFallbacks} fallback reads, ${s.kvRepairs} repairs`,
        `  breakers       ${s.breakerChanges} state changes`,
        `  timer pops     ${
          Object.entries(s.timerPops)
            .map(([k, v]) => `${k} ${v}`)
            .join(', ') || 'none'
        }`,
        `  Ellis          ${s.signups} sign-ups, ${s.allocations} allocations`,
      ])
    )
  },
}
