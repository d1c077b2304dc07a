/**
 * @module cli/commands/regions
 * `edgewater regions`: each region's health (every function's `/healthz`: its KV and the global
 * table), its KV dual-write counters (the timers function's `GET /admin/kv-stats`: remote writes
 * that failed are what the other region's copy lags by until read-repair or `resync`), and the
 * Ellis shards it owns (`GET /api/shards` with the API key). In the local cloud, also whether
 * the control API has the region up.
 */
import { FUNCTIONS, REGIONS, type Region } from '../../shared/config/regions'
import { parseCommandArgs } from '../args'
import { CliError, type Command, type CommandContext } from '../command'
import { callControl, callEllis, callFunction, emit } from '../http'

interface RegionReport {
  up?: boolean | undefined
  healthy: boolean
  functions: Record<string, string>
  kv?: Record<string, number> | undefined
  shardsOwned?: { numbers: number[]; accounts: number[] } | undefined
}

async function health(ctx: CommandContext, region: Region): Promise<Record<string, string>> {
  const t = await ctx.target()
  const out: Record<string, string> = {}
  await Promise.all(
    FUNCTIONS.map(async (fn) => {
      try {
        const res = await ctx.fetch(`${t.functions[region][fn]}/healthz`, {
          method: 'GET',
          signal: AbortSignal.timeout(3_000),
        })
        out[fn] = res.ok ? 'ok' : `unhealthy (${res.status})`
      } catch {
        out[fn] = 'unreachable'
      }
    })
  )
  return out
}

async function kvStats(ctx: CommandContext, region: Region) {
  try {
    const res = await callFunction(ctx, region, 'timers', '/admin/kv-stats')
    if (res.status !== 200) return undefined
    const { region: _r, ...counts } = res.body as Record<string, number>
    return counts
  } catch {
    return undefined
  }
}

type ShardRow = { shard: number; owner: Region }

async function shards(ctx: CommandContext) {
  for (const region of REGIONS) {
    try {
      const res = await callEllis(ctx, '/shards', { region })
      if (res.status === 200) return res.body as { numbers: ShardRow[]; accounts: ShardRow[] }
    } catch {
      // try the other edge
    }
  }
  return undefined
}

export const regions: Command = {
  name: 'regions',
  summary: "each region's health, KV dual-write lag and Ellis shard owners",
  help: [
    'usage: edgewater regions [--json]',
    '',
    "For each region: every function's health check (its KV and the global table), the KV",
    "dual-write counters (remote writes that failed: the other region's copy lags until",
    'read-repair or `edgewater resync`), and the Ellis shards it owns. Exits 1 when a region is',
    'unhealthy.',
  ].join('\n'),
  async run(args, ctx) {
    parseCommandArgs('regions', args, {}, { min: 0, max: 0, names: 'no arguments' })
    const t = await ctx.target()
    let up: Record<string, { up: boolean }> | undefined
    if (t.control) {
      const res = await callControl(ctx, '/regions').catch(() => undefined)
      if (res?.status === 200) up = res.body as Record<string, { up: boolean }>
    }
    const owners = await shards(ctx)
    const report: Record<string, RegionReport> = {}
    await Promise.all(
      REGIONS.map(async (r) => {
        const functions = await health(ctx, r)
        report[r] = {
          ...(up ? { up: up[r]?.up } : {}),
          healthy: Object.values(functions).every((v) => v === 'ok'),
          functions,
          kv: await kvStats(ctx, r),
          shardsOwned: owners
            ? {
                numbers: owners.numbers.filter((s) => s.owner === r).map((s) => s.shard),
                accounts: owners.accounts.filter((s) => s.owner === r).map((s) => s.shard),
              }
            : undefined,
        }
      })
    )
    emit(ctx, report, () =>
      REGIONS.flatMap((r) => {
        const x = report[r]!
        const bad = Object.entries(x.functions).filter(([, v]) => v !== 'ok')
        return [
          `region ${r}: ${x.healthy ? 'healthy' : 'UNHEALTHY'}${x.up === false ? ' (down)' : ''}`,
          `  functions: ${bad.length === 0 ? 'all ok' : bad.map(([k, v]) => `${k} ${v}`).join(', ')}`,
          `  kv: ${
            x.kv
              ? `${x.kv.remoteWriteFailures ?? 0} remote writes failed, ${x.kv.remoteFallbackReads ?? 0} fallback reads, ${x.kv.localRepairs ?? 0} repairs`
              : 'unknown'
          }`,
          `  shards owned: ${
            x.shardsOwned
              ? `${x.shardsOwned.numbers.length} number, ${x.shardsOwned.accounts.length} account`
              : 'unknown'
          }`,
        ]
      })
    )
    const sick = REGIONS.filter((r) => !report[r]!.healthy)
    if (sick.length > 0) throw new CliError(`region ${sick.join(' and ')} is unhealthy.`)
  },
}
