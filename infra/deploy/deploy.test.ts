import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { loadDeployConfig } from '../aws/deploy-config'
import { EXAMPLE_CONFIG } from '../aws/synth'
import {
  deploy,
  functionUrlsFromOutputs,
  parseArgs,
  secretsSchema,
  secretValue,
  wranglerArgs,
} from './deploy'

const secrets = () =>
  secretsSchema.parse({
    HOP_SECRET: 'h'.repeat(40),
    SIGNUP_CODE: 'signup-code-1',
    ELLIS_API_KEY: 'k'.repeat(40),
    ELLIS_COOKIE_SECRET: 'c'.repeat(40),
    ELLIS_MAIL_WEBHOOK_SECRET: 'm'.repeat(40),
    FLOW_TOKEN_SECRET: 'f'.repeat(40),
    KV_TOKENS: { a: 'token-a', b: 'token-b' },
  })

describe('npm run deploy', () => {
  it('dry run: builds, synthesises every stack and bundles the edge without calling AWS or Cloudflare', async () => {
    const outdir = mkdtempSync(path.join(tmpdir(), 'edgewater-deploy-'))
    await deploy(parseArgs(['--dry-run', '--outdir', outdir, '--env', 'staging']))
    const asm = readdirSync(path.join(outdir, 'cdk.out'))
    for (const stack of ['edgewater-global-table', 'edgewater-region-a', 'edgewater-region-b'])
      expect(asm).toContain(`${stack}.template.json`)
    // Each function's Lambda bundle is staged as an asset of the assembly.
    const bundles = asm.filter(
      (d) => d.startsWith('asset.') && existsSync(path.join(outdir, 'cdk.out', d, 'index.mjs'))
    )
    expect(bundles).toHaveLength(5)
    const a = readFileSync(path.join(outdir, 'cdk.out', 'edgewater-region-a.template.json'), 'utf8')
    expect(a).toContain('nodejs22.x')
    const edge = readdirSync(path.join(outdir, 'edge'))
    expect(edge).toContain('worker.js')
  }, 240_000)

  it('passes the function URLs from the stack outputs to the edge and the second pass', () => {
    const c = loadDeployConfig(EXAMPLE_CONFIG)
    const outputs = Object.fromEntries(
      (['a', 'b'] as const).map((r) => [
        `edgewater-region-${r}`,
        Object.fromEntries(
          ['sprout', 'dime', 'homer', 'ellis', 'timers'].map((fn) => [
            `${fn}Url`,
            `https://${fn}-${r}.lambda-url.example/`,
          ])
        ),
      ])
    )
    const urls = functionUrlsFromOutputs(c, outputs)
    expect(urls?.b.timers).toBe('https://timers-b.lambda-url.example/')
    expect(functionUrlsFromOutputs(c, { 'edgewater-region-a': {} })).toBeUndefined()
    const args = wranglerArgs({ ...c, functionUrls: urls }, parseArgs(['--env', 'production']))
    expect(args).toContain(`FUNCTION_URLS:${JSON.stringify(urls)}`)
    expect(args).toContain('HOME_DOMAIN:example.com')
    expect(args.slice(args.indexOf('--domain'))).toEqual(['--domain', 'sip.example.com'])
    expect(args).not.toContain('--dry-run')
  })

  it('puts each region its own Upstash token and the other region’s as the remote one; Ellis’s secrets only in its secret', () => {
    const s = secrets()
    expect(JSON.parse(secretValue(s, 'a', 'core'))).toEqual({
      HOP_SECRET: 'h'.repeat(40),
      KV_TOKEN: 'token-a',
      KV_REMOTE_TOKEN: 'token-b',
      SIGNUP_CODE: 'signup-code-1',
      ELLIS_API_KEY: 'k'.repeat(40),
    })
    expect(JSON.parse(secretValue(s, 'b', 'core')).KV_TOKEN).toBe('token-b')
    expect(JSON.parse(secretValue(s, 'b', 'ellis'))).toEqual({
      ELLIS_COOKIE_SECRET: 'c'.repeat(40),
      ELLIS_MAIL_WEBHOOK_SECRET: 'm'.repeat(40),
    })
    expect(() => secretsSchema.parse({ ...secrets(), HOP_SECRET: 'short' })).toThrow()
    expect(() => parseArgs(['--env', 'prod'])).toThrow()
  })
})
