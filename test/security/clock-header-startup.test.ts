/**
 * `TRUST_CLOCK_HEADER=1` lets whoever sends `x-edgewater-clock-offset` set a function's clock:
 * with a function URL open to the internet, an attacker could move Ellis's clock back so that
 * an expired session cookie or recovery token is live again, or Homer's and Sprout's clocks so
 * that an old nonce is fresh. It exists for the local cloud's driven clock only, so outside the
 * local cloud every function refuses to start with it, in one sentence naming it. In process:
 * the real function apps and a Lambda entry, given a deployment's bindings.
 */
import { afterEach, describe, expect, it, vi } from 'vitest'
import { app as dime } from '../../functions/dime/app'
import { app as homer } from '../../functions/homer/app'
import sprout from '../../functions/sprout/app'
import timers from '../../functions/timers/app'
import { settingsFromEnv } from '../../infra/local/contract'
import { functionBindings } from '../../infra/local/function-bindings'
import { CLOCK_OFFSET_HEADER } from '../../shared/config/clock'
import { parseFunctionEnv } from '../../shared/config/function-env'

const strong = (tag: string) => `${tag}-${crypto.randomUUID()}-${crypto.randomUUID()}`

function deployment(extra: Record<string, string> = {}): Record<string, string> {
  const raw: Record<string, string> = {
    ...functionBindings(settingsFromEnv(), 'a'),
    HOP_SECRET: strong('hop'),
    ELLIS_API_KEY: strong('api'),
    ELLIS_COOKIE_SECRET: strong('cookie'),
    ...extra,
  }
  delete raw.EDGEWATER_ENV
  return raw
}

const REFUSAL =
  'TRUST_CLOCK_HEADER lets a request set the function\'s clock and is refused outside the local cloud (EDGEWATER_ENV is not "local"); remove it or set it to 0.'

afterEach(() => {
  vi.unstubAllEnvs()
  vi.restoreAllMocks()
})

describe('TRUST_CLOCK_HEADER outside the local cloud', () => {
  it('every function refuses to serve, naming the setting in one sentence', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => undefined)
    const env = deployment({ TRUST_CLOCK_HEADER: '1' })
    for (const app of [sprout, dime, homer, timers]) {
      const r = await app.request(
        '/healthz',
        { headers: { [CLOCK_OFFSET_HEADER]: '-86400000' } },
        {
          ...env,
        }
      )
      expect(r.status).toBe(500)
      expect(await r.json()).toEqual({ error: 'misconfigured', detail: REFUSAL })
    }
  })

  it('a Lambda entry fails its cold start', async () => {
    vi.resetModules()
    for (const [k, v] of Object.entries(deployment({ TRUST_CLOCK_HEADER: '1' }))) vi.stubEnv(k, v)
    vi.stubEnv('EDGEWATER_ENV', undefined)
    await expect(import('../../functions/dime/lambda')).rejects.toThrow(REFUSAL)
  })

  it('is accepted at 0 or unset, and in the local cloud', () => {
    const raw = deployment()
    delete raw.TRUST_CLOCK_HEADER
    expect(parseFunctionEnv(raw).TRUST_CLOCK_HEADER).toBe('0')
    expect(parseFunctionEnv(deployment({ TRUST_CLOCK_HEADER: '0' })).TRUST_CLOCK_HEADER).toBe('0')
    // The local cloud drives its functions' clock through the header.
    expect(parseFunctionEnv(functionBindings(settingsFromEnv(), 'a')).TRUST_CLOCK_HEADER).toBe('1')
  })
})
