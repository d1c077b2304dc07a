import { describe, expect, it } from 'vitest'
import { ConfigError, parseFunctionEnv } from './function-env'

const urls = (r: string) =>
  Object.fromEntries(
    ['sprout', 'dime', 'homer', 'ellis', 'timers'].map((f) => [f, `https://${f}-${r}.invalid`])
  )

const valid = () => ({
  REGION: 'a',
  HOME_DOMAIN: 'example.com',
  HOP_SECRET: 'sixteen-chars-at-least',
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
  ELLIS_API_KEY: 'k',
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

  it('refuses a short trusted-zone secret', () => {
    expect(() => parseFunctionEnv({ ...valid(), HOP_SECRET: 'short' })).toThrow(
      /HOP_SECRET must be at least 16/
    )
  })
})
