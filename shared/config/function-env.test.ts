import { describe, expect, it } from 'vitest'
import { ConfigError, parseFunctionEnv } from './function-env'
import { DEV_SECRETS } from './secrets'

const urls = (r: string) =>
  Object.fromEntries(
    ['sprout', 'dime', 'homer', 'ellis', 'timers'].map((f) => [f, `https://${f}-${r}.invalid`])
  )

const valid = () => ({
  REGION: 'a',
  HOME_DOMAIN: 'example.com',
  HOP_SECRET: 'a-production-hop-secret-of-32-bytes!',
  FUNCTION_URLS: JSON.stringify({ a: urls('a'), b: urls('b') }),
  EDGE_URL: 'https://edge.invalid',
  KV_URL: 'https://kv-a.invalid',
  KV_TOKEN: 't',
  KV_REMOTE_URL: 'https://kv-b.invalid',
  KV_REMOTE_TOKEN: 't',
  DYNAMO_REGION: 'eu-west-1',
  SCHEDULER_REGION: 'eu-west-1',
  SCHEDULER_REMOTE_REGION: 'eu-central-1',
  SCHEDULER_ROLE_ARN: 'arn:aws:iam::1:role/x',
  TIMERS_TARGET_ARN: 'arn:a',
  TIMERS_REMOTE_TARGET_ARN: 'arn:b',
  SIGNUP_CODE: 's',
  ELLIS_API_KEY: 'a-production-ellis-api-key-32-bytes!',
})

describe('function configuration', () => {
  it('parses a complete environment and fills defaults', () => {
    const env = parseFunctionEnv(valid())
    expect(env.REGION).toBe('a')
    expect(env.FUNCTION_URLS.b.dime).toBe('https://dime-b.invalid')
    expect(env.DYNAMO_TABLE).toBe('edgewater')
    expect(env.TRUST_CLOCK_HEADER).toBe('0')
  })

  it('names every missing or malformed setting', () => {
    const raw: Record<string, string> = { ...valid(), REGION: 'c', FUNCTION_URLS: '{' }
    delete raw.KV_TOKEN
    let err: unknown
    try {
      parseFunctionEnv(raw)
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(ConfigError)
    const msg = (err as Error).message
    expect(msg).toMatch(/REGION/)
    expect(msg).toMatch(/FUNCTION_URLS is not JSON/)
    expect(msg).toMatch(/KV_TOKEN/)
  })

  it('refuses a dev or short secret outside the local cloud, in one sentence naming it', () => {
    const refusal = (o: Record<string, string>) => {
      try {
        parseFunctionEnv({ ...valid(), ...o })
      } catch (e) {
        expect(e).toBeInstanceOf(ConfigError)
        return (e as Error).message
      }
      return undefined
    }
    expect(refusal({ HOP_SECRET: DEV_SECRETS.HOP_SECRET })).toBe(
      'HOP_SECRET is a development default, refused outside the local cloud (EDGEWATER_ENV is not "local"); set it to a random secret of at least 32 bytes.'
    )
    expect(refusal({ HOP_SECRET: 'x'.repeat(31) })).toBe(
      'HOP_SECRET is 31 bytes long, and outside the local cloud it must be a random secret of at least 32 bytes.'
    )
    expect(refusal({ HOP_SECRET_PREVIOUS: 'short' })).toMatch(/^HOP_SECRET_PREVIOUS is 5 bytes/)
    expect(refusal({ ELLIS_API_KEY: 'k' })).toMatch(/^ELLIS_API_KEY is 1 bytes long/)
    expect(refusal({ ELLIS_API_KEY: DEV_SECRETS.ELLIS_API_KEY })).toMatch(
      /^ELLIS_API_KEY is a development default/
    )
    // Any other value of EDGEWATER_ENV is a real deployment too.
    expect(refusal({ EDGEWATER_ENV: 'staging', HOP_SECRET: 'short' })).toBeDefined()
  })

  it('accepts the dev defaults in the local cloud', () => {
    const env = parseFunctionEnv({
      ...valid(),
      EDGEWATER_ENV: 'local',
      HOP_SECRET: DEV_SECRETS.HOP_SECRET,
      ELLIS_API_KEY: 'k',
    })
    expect(env.HOP_SECRET).toBe(DEV_SECRETS.HOP_SECRET)
    expect(env.HOP_MAX_SKEW_MS).toBe(10_000)
    expect(env.HOP_REPLAY_CAPACITY).toBe(8_192)
  })
})
