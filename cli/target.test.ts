/**
 * The CLI's target (cli/target.ts): a deployment's secrets never go to addresses a local cloud's
 * `/endpoints` names. With `HOP_SECRET` or `ELLIS_API_KEY` in the environment, the edge and the
 * functions must come from the environment too; the CLI refuses, asking nothing of the control
 * port, rather than send the API key (a plain header) to whatever answers on 127.0.0.1.
 */
import { describe, expect, it } from 'vitest'
import { CliError } from './cli-error'
import { resolveTarget } from './target'

const urls = (r: string) => ({
  sprout: `https://sprout-${r}.example.net`,
  dime: `https://dime-${r}.example.net`,
  homer: `https://homer-${r}.example.net`,
  ellis: `https://ellis-${r}.example.net`,
  timers: `https://timers-${r}.example.net`,
})
const local = {
  edges: { a: 'http://127.0.0.1:8787', b: 'http://127.0.0.1:8788' },
  control: 'http://127.0.0.1:8790',
  functions: { a: urls('local-a'), b: urls('local-b') },
  ellisApiKey: 'dev-ellis-api-key',
  homeDomain: 'example.com',
  hopSecret: 'dev-hop-secret',
}

function controlPort() {
  const asked: string[] = []
  const fetchFn = async (url: string | URL | Request) => {
    asked.push(String(url))
    return new Response(JSON.stringify(local), { status: 200 })
  }
  return { asked, fetchFn: fetchFn as typeof fetch }
}

const production = {
  EDGEWATER_URL: 'https://sip.example.net',
  EDGEWATER_FUNCTION_URLS: JSON.stringify({ a: urls('a'), b: urls('b') }),
  HOP_SECRET: 'h'.repeat(40),
  ELLIS_API_KEY: 'k'.repeat(40),
}

describe('the CLI target and the secrets it is given', () => {
  it('takes a complete environment as it is, asking no control port', async () => {
    const cp = controlPort()
    const t = await resolveTarget(production, cp.fetchFn)
    expect(cp.asked).toEqual([])
    expect(t.edges.a).toBe('https://sip.example.net')
    expect(t.ellisApiKey).toBe(production.ELLIS_API_KEY)
  })

  it('fills everything from a local cloud when no secret is set', async () => {
    const cp = controlPort()
    const t = await resolveTarget({}, cp.fetchFn)
    expect(cp.asked).toEqual(['http://127.0.0.1:8790/endpoints'])
    expect(t.ellisApiKey).toBe('dev-ellis-api-key')
  })

  it('refuses a secret from the environment with addresses it would take from a local cloud', async () => {
    for (const missing of ['EDGEWATER_URL', 'EDGEWATER_FUNCTION_URLS'] as const) {
      const cp = controlPort()
      const env: Record<string, string | undefined> = { ...production, [missing]: undefined }
      const err = await resolveTarget(env, cp.fetchFn).catch((e: unknown) => e)
      expect(err, missing).toBeInstanceOf(CliError)
      expect((err as CliError).message).toContain(missing)
      expect((err as CliError).exitCode).toBe(2)
      expect(cp.asked, missing).toEqual([])
    }
    // Only the API key set: the same.
    const cp = controlPort()
    const err = await resolveTarget({ ELLIS_API_KEY: 'k'.repeat(40) }, cp.fetchFn).catch(
      (e: unknown) => e
    )
    expect(err).toBeInstanceOf(CliError)
    expect(cp.asked).toEqual([])
  })
})
