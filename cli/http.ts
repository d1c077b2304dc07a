/**
 * @module cli/http
 * The CLI's requests: to a function, signed with the hop secret as any internal request
 * (shared/hop/signed-fetch, architecture §3); to Ellis's API with its `NGV-API-Key`; to the
 * local cloud's control API. A failure becomes a {@link CliError} naming what did not answer.
 */
import type { FunctionName, Region } from '../shared/config/regions'
import { signedFetch } from '../shared/hop/signed-fetch'
import { CliError, type CommandContext } from './command'
import { terminalSafe } from './terminal-text'

export interface CliResponse {
  status: number
  body: unknown
  text: string
  headers: Headers
}

async function read(res: Response): Promise<CliResponse> {
  const text = await res.text()
  let body: unknown = text
  try {
    body = text ? JSON.parse(text) : undefined
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, body, text, headers: res.headers }
}

function unreachable(what: string, url: string, e: unknown): CliError {
  const cause = (e as { cause?: { code?: string } }).cause?.code ?? (e as Error).message
  return new CliError(`${what} at ${url} did not answer (${cause}).`)
}

/** A signed request to `fn` of `region`; `path` starts with `/`. */
export async function callFunction(
  ctx: CommandContext,
  region: Region,
  fn: FunctionName,
  path: string,
  init: { method?: string; body?: string; headers?: Record<string, string> } = {}
): Promise<CliResponse> {
  const t = await ctx.target()
  const url = `${t.functions[region][fn]}${path}`
  const headers = { ...(init.body ? { 'content-type': 'application/json' } : {}), ...init.headers }
  try {
    const signed = { ...init, headers, redirect: 'manual' as const }
    return await read(await signedFetch(ctx.fetch, t.hopSecret, url, signed))
  } catch (e) {
    throw unreachable(`${fn} of region ${region}`, url, e)
  }
}

/** A request to Ellis's API through the edge of `region`, with the API key. */
export async function callEllis(
  ctx: CommandContext,
  path: string,
  init: { method?: string; body?: string; region?: Region } = {}
): Promise<CliResponse> {
  const t = await ctx.target()
  const url = `${t.edges[init.region ?? 'a']}/api${path}`
  try {
    const res = await ctx.fetch(url, {
      method: init.method ?? 'GET',
      headers: {
        'NGV-API-Key': t.ellisApiKey,
        ...(init.body ? { 'content-type': 'application/json' } : {}),
      },
      ...(init.body ? { body: init.body } : {}),
    })
    return await read(res)
  } catch (e) {
    throw unreachable('Ellis', url, e)
  }
}

/** A request to the local cloud's control API; fails with a sentence when there is none. */
export async function callControl(
  ctx: CommandContext,
  path: string,
  init: { method?: string; body?: string } = {}
): Promise<CliResponse> {
  const t = await ctx.target()
  if (!t.control)
    throw new CliError('this needs a local cloud control API (EDGEWATER_CONTROL_URL); none is set.')
  const url = `${t.control}${path}`
  try {
    return await read(
      await ctx.fetch(url, {
        method: init.method ?? 'GET',
        ...(init.body ? { body: init.body } : {}),
      })
    )
  } catch (e) {
    throw unreachable('the control API', url, e)
  }
}

/**
 * Prints `value` as JSON under `--json`, else the text lines `text` makes of it, with every
 * control character shown as an escape (cli/terminal-text.ts: the lines carry subscribers' text).
 */
export function emit(ctx: CommandContext, value: unknown, text: () => string[]): void {
  if (ctx.json) ctx.out(JSON.stringify(value, null, 2))
  else for (const line of text()) ctx.out(terminalSafe(line))
}
