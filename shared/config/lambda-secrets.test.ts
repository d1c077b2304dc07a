import { describe, expect, it } from 'vitest'
import { loadColdStartSecrets, SECRET_IDS_VAR, SecretLoadError, signV4 } from './lambda-secrets'

const ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:edgewater/a/core-AbCdEf'

describe('signV4', () => {
  it('reproduces the AWS Signature Version 4 test suite’s get-vanilla signature', async () => {
    const h = await signV4({
      method: 'GET',
      url: 'https://example.amazonaws.com/',
      headers: {},
      body: '',
      region: 'us-east-1',
      service: 'service',
      accessKeyId: 'AKIDEXAMPLE',
      secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
      date: new Date('2015-08-30T12:36:00Z'),
    })
    expect(h.authorization).toBe(
      'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31'
    )
  })
})

describe('loadColdStartSecrets', () => {
  const env = () => ({
    [SECRET_IDS_VAR]: ARN,
    AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'secret',
    AWS_SESSION_TOKEN: 'token',
    HOP_SECRET: undefined as string | undefined,
    KV_TOKEN: 'already-set',
  })

  it('reads each secret once with a signed GetSecretValue and merges it without replacing set values', async () => {
    const calls: { url: string; init: RequestInit }[] = []
    const fetcher = (async (url: string, init: RequestInit) => {
      calls.push({ url, init })
      return new Response(
        JSON.stringify({
          SecretString: JSON.stringify({ HOP_SECRET: 'h'.repeat(40), KV_TOKEN: 'x' }),
        })
      )
    }) as unknown as typeof fetch
    const e = env()
    await loadColdStartSecrets(e, { fetch: fetcher, now: () => new Date('2026-12-07T08:00:00Z') })
    expect(calls).toHaveLength(1)
    expect(calls[0]!.url).toBe('https://secretsmanager.eu-west-1.amazonaws.com/')
    const headers = calls[0]!.init.headers as Record<string, string>
    expect(headers['x-amz-target']).toBe('secretsmanager.GetSecretValue')
    expect(headers['x-amz-security-token']).toBe('token')
    expect(headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/20261207\/eu-west-1\/secretsmanager\/aws4_request, /
    )
    expect(JSON.parse(String(calls[0]!.init.body))).toEqual({ SecretId: ARN })
    expect(e.HOP_SECRET).toBe('h'.repeat(40))
    expect(e.KV_TOKEN).toBe('already-set')
  })

  it('does nothing without secret ids, and names the secret when it cannot be read', async () => {
    const e: Record<string, string | undefined> = {}
    await loadColdStartSecrets(e, { fetch: (() => Promise.reject(new Error('no'))) as never })
    expect(e).toEqual({})
    const denied = (async () => new Response('AccessDenied', { status: 400 })) as never
    await expect(loadColdStartSecrets(env(), { fetch: denied })).rejects.toThrow(
      new SecretLoadError(`reading secret ${ARN}: 400 AccessDenied`)
    )
    const notJson = (async () => new Response(JSON.stringify({ SecretString: 'plain' }))) as never
    await expect(loadColdStartSecrets(env(), { fetch: notJson })).rejects.toThrow(
      /is not a JSON object of settings/
    )
  })
})
