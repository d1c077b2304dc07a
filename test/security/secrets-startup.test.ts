/**
 * Issue 14, finding 8: dev secrets accepted in production. Outside the local cloud (no
 * `EDGEWATER_ENV=local`) every function and the edge must refuse to start on a known dev
 * default or on a secret shorter than 32 bytes, with one sentence naming the variable; each
 * purpose (hop signing, flow tokens, Ellis cookies) has its own secret. In process: the real
 * function apps, Lambda entries and edge configuration, given a deployment's bindings.
 */
import { afterEach, describe, expect, it, vi } from 'vitest'
import { edgeConfig } from '../../edge/edge-config'
import type { EdgeEnv } from '../../edge/env'
import { app as dime } from '../../functions/dime/app'
import { ellisConfig } from '../../functions/ellis/ellis-config'
import { app as homer } from '../../functions/homer/app'
import sprout from '../../functions/sprout/app'
import timers from '../../functions/timers/app'
import { settingsFromEnv } from '../../infra/local/contract'
import { edgeBindings, functionBindings } from '../../infra/local/function-bindings'
import { parseFunctionEnv } from '../../shared/config/function-env'

/** The dev defaults the local cloud prints (infra/local/contract.ts, README). */
const DEV_SECRETS = {
  HOP_SECRET: 'dev-hop-secret-change-me-in-production',
  FLOW_TOKEN_SECRET: 'dev-flow-token-secret-change-me-in-production',
  ELLIS_COOKIE_SECRET: 'dev-ellis-cookie-secret-change-me-in-production',
  ELLIS_API_KEY: 'dev-ellis-api-key',
}

const strong = (tag: string) => `${tag}-${crypto.randomUUID()}-${crypto.randomUUID()}`

/** A region's bindings as a deployment has them: real secrets, no local marker. */
function deployment(extra: Record<string, string> = {}): Record<string, string> {
  const raw: Record<string, string> = {
    ...functionBindings(settingsFromEnv(), 'a'),
    HOP_SECRET: strong('hop'),
    ELLIS_API_KEY: strong('api'),
    ELLIS_COOKIE_SECRET: strong('cookie'),
    TRUST_CLOCK_HEADER: '0',
    ...extra,
  }
  delete raw.EDGEWATER_ENV
  return raw
}

function edgeDeployment(extra: Record<string, string> = {}): EdgeEnv {
  const raw: Record<string, string> = {
    ...edgeBindings(settingsFromEnv(), 'a'),
    HOP_SECRET: strong('hop'),
    FLOW_TOKEN_SECRET: strong('flow'),
    ...extra,
  }
  delete raw.EDGEWATER_ENV
  return raw as unknown as EdgeEnv
}

const DEV_HOP =
  'HOP_SECRET is a development default, refused outside the local cloud (EDGEWATER_ENV is not "local"); set it to a random secret of at least 32 bytes.'

afterEach(() => {
  vi.unstubAllEnvs()
  vi.restoreAllMocks()
})

describe('finding 8: secrets outside the local cloud', () => {
  it('every function refuses to serve with the dev HOP_SECRET, naming it in one sentence', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => undefined)
    const env = deployment({ HOP_SECRET: DEV_SECRETS.HOP_SECRET })
    for (const app of [sprout, dime, homer, timers]) {
      const r = await app.request('/healthz', {}, { ...env })
      expect(r.status).toBe(500)
      expect(await r.json()).toEqual({ error: 'misconfigured', detail: DEV_HOP })
    }
  })

  it('a Lambda entry fails its cold start on a dev or short secret', async () => {
    for (const [name, value, sentence] of [
      ['HOP_SECRET', DEV_SECRETS.HOP_SECRET, DEV_HOP],
      [
        'ELLIS_API_KEY',
        'k',
        'ELLIS_API_KEY is 1 bytes long, and outside the local cloud it must be a random secret of at least 32 bytes.',
      ],
    ] as const) {
      vi.resetModules()
      vi.unstubAllEnvs()
      for (const [k, v] of Object.entries(deployment({ [name]: value }))) vi.stubEnv(k, v)
      vi.stubEnv('EDGEWATER_ENV', undefined)
      await expect(import('../../functions/dime/lambda')).rejects.toThrow(sentence)
    }
  })

  it('refuses secrets shorter than 32 bytes and dev values of every purpose', () => {
    const refusal = (extra: Record<string, string>) => {
      try {
        parseFunctionEnv(deployment(extra))
      } catch (e) {
        return (e as Error).message
      }
      return 'accepted'
    }
    expect(refusal({ HOP_SECRET: 'x'.repeat(31) })).toBe(
      'HOP_SECRET is 31 bytes long, and outside the local cloud it must be a random secret of at least 32 bytes.'
    )
    expect(refusal({ HOP_SECRET_PREVIOUS: DEV_SECRETS.HOP_SECRET })).toMatch(
      /^HOP_SECRET_PREVIOUS is a development default/
    )
    expect(refusal({ ELLIS_API_KEY: DEV_SECRETS.ELLIS_API_KEY })).toMatch(
      /^ELLIS_API_KEY is a development default/
    )
    expect(refusal({})).toBe('accepted')
    // The local cloud (EDGEWATER_ENV=local) keeps the dev defaults it prints.
    expect(parseFunctionEnv(functionBindings(settingsFromEnv(), 'a')).HOP_SECRET).toBe(
      DEV_SECRETS.HOP_SECRET
    )
  })

  it('Ellis needs its own cookie secret (no longer derived from the hop secret)', () => {
    const ellis = (extra: Record<string, string>) => {
      const raw = deployment(extra)
      if (extra.ELLIS_COOKIE_SECRET === '') delete raw.ELLIS_COOKIE_SECRET
      try {
        ellisConfig(parseFunctionEnv(raw), raw)
      } catch (e) {
        return (e as Error).message
      }
      return 'accepted'
    }
    expect(ellis({ ELLIS_COOKIE_SECRET: '' })).toBe(
      'ELLIS_COOKIE_SECRET is not set; set it to a random secret of at least 32 bytes.'
    )
    expect(ellis({ ELLIS_COOKIE_SECRET: DEV_SECRETS.ELLIS_COOKIE_SECRET })).toMatch(
      /^ELLIS_COOKIE_SECRET is a development default/
    )
    expect(ellis({ ELLIS_COOKIE_SECRET_PREVIOUS: 'short' })).toMatch(
      /^ELLIS_COOKIE_SECRET_PREVIOUS is 5 bytes long/
    )
    expect(ellis({})).toBe('accepted')
  })

  it('the edge validates HOP_SECRET and its own FLOW_TOKEN_SECRET', () => {
    const edge = (extra: Record<string, string>, drop?: string) => {
      const env = edgeDeployment(extra) as unknown as Record<string, string>
      if (drop) delete env[drop]
      try {
        edgeConfig(env as unknown as EdgeEnv)
      } catch (e) {
        return (e as Error).message
      }
      return 'accepted'
    }
    expect(edge({ HOP_SECRET: DEV_SECRETS.HOP_SECRET })).toBe(DEV_HOP)
    expect(edge({ HOP_SECRET: 'short' })).toMatch(/^HOP_SECRET is 5 bytes long/)
    expect(edge({}, 'FLOW_TOKEN_SECRET')).toBe(
      'FLOW_TOKEN_SECRET is not set; set it to a random secret of at least 32 bytes.'
    )
    expect(edge({ FLOW_TOKEN_SECRET: DEV_SECRETS.FLOW_TOKEN_SECRET })).toMatch(
      /^FLOW_TOKEN_SECRET is a development default/
    )
    expect(edge({})).toBe('accepted')
  })
})
