/**
 * @module cli/commands/trace-api
 * The ops API the trace commands read (functions/ellis/ops/ops-routes.ts), through the edge of
 * a region with Ellis's `NGV-API-Key`. A failure becomes a {@link CliError} naming what did not
 * answer or what the API said.
 */
import type { Region } from '../../shared/config/regions'
import type { Ladder } from '../../shared/trace/ladder'
import type { TraceRecord } from '../../shared/trace/trace-record'
import type { TraceSummary } from '../../shared/vellum/trace-store'
import { CliError, type CommandContext } from '../command'

export interface CallTrace {
  callId: string
  traceIds: string[]
  records: TraceRecord[]
  ladder: Ladder
}

export interface ImpuTraces {
  impu: string
  since: number
  until: number
  calls: TraceSummary[]
}

/** GET `/ops/api<path>` on the edge of `region`; 404 is undefined. */
export async function opsGet<T>(
  ctx: CommandContext,
  path: string,
  region: Region = 'a'
): Promise<T | undefined> {
  const t = await ctx.target()
  const url = `${t.edges[region]}/ops/api${path}`
  let res: Response
  try {
    res = await ctx.fetch(url, { headers: { 'NGV-API-Key': t.ellisApiKey } })
  } catch (e) {
    const cause = (e as { cause?: { code?: string } }).cause?.code ?? (e as Error).message
    throw new CliError(`the ops API at ${url} did not answer (${cause}).`)
  }
  const text = await res.text()
  if (res.status === 404) return undefined
  if (res.status !== 200) {
    let reason = text.slice(0, 200)
    try {
      const b = JSON.parse(text) as { reason?: string; error?: string }
      reason = b.reason ?? b.error ?? reason
    } catch {
      // not JSON: the text itself
    }
    throw new CliError(`the ops API answered ${res.status}: ${reason}.`)
  }
  return JSON.parse(text) as T
}

export const regionOption = (v: string | undefined): Region => {
  if (v === undefined || v === 'a' || v === 'b') return v ?? 'a'
  throw new CliError(`--region must be a or b, not ${v}.`, 2)
}
