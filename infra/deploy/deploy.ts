/**
 * @module infra/deploy/deploy
 * `npm run deploy [-- --dry-run] [-- --env staging|production] [-- --config file.json]`: one
 * command from the source to both AWS regions and Cloudflare (docs/deploy.md):
 * 1. builds the edge, the functions and their Lambda bundles (infra/local/build.ts);
 * 2. synthesises the CDK app (infra/aws) into dist/aws/cdk.out;
 * 3. `cdk deploy` of every stack; the function URLs the regional stacks output are passed back
 *    as the configuration's `functionUrls`, and the regional stacks deployed again when they
 *    changed (the first deploy), so no URL is copied by hand; the secrets are put in each
 *    region's Secrets Manager secrets, and their digest set on the functions so a change starts
 *    fresh cold starts that read them;
 * 4. `wrangler deploy` of the edge with FUNCTION_URLS from the outputs, HOME_DOMAIN and the
 *    route from the configuration, and its secrets put with `wrangler secret put`.
 * `--dry-run` stops after synthesising and `wrangler deploy --dry-run --outdir`, calling
 * neither AWS nor Cloudflare. The secrets come from the JSON file in `EDGEWATER_SECRETS_FILE`
 * (never from the repository; docs/deploy.md, "Secrets").
 */
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { z } from 'zod'
import { FUNCTIONS, type FunctionName, REGIONS, type Region } from '../../shared/config/regions'
import { buildApp } from '../aws/app'
import { type DeployConfig, functionUrlsOf, parseDeployConfig } from '../aws/deploy-config'
import {
  FUNCTION_SETTINGS,
  type SettingName,
  type SettingSpec,
  secretNames,
} from '../aws/function-settings'
import { globalTableStackName } from '../aws/global-table-stack'
import { secretName, stackName, urlOutput } from '../aws/regional-stack'
import { buildAll, DIST, ROOT } from '../local/build'

export const ENVIRONMENTS = ['staging', 'production'] as const

export interface DeployOptions {
  dryRun: boolean
  env: (typeof ENVIRONMENTS)[number]
  config: string
  /** Where the cloud assembly, outputs and the edge bundle go (default dist/deploy). */
  outdir: string
}

export function parseArgs(argv: readonly string[]): DeployOptions {
  const o: DeployOptions = {
    dryRun: false,
    env: 'production',
    config: process.env.EDGEWATER_DEPLOY_CONFIG || path.join(ROOT, 'infra/aws/example.config.json'),
    outdir: path.join(DIST, 'deploy'),
  }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    if (a === '--dry-run') o.dryRun = true
    else if (a === '--env') o.env = z.enum(ENVIRONMENTS).parse(argv[++i])
    else if (a === '--config') o.config = path.resolve(argv[++i] ?? '')
    else if (a === '--outdir') o.outdir = path.resolve(argv[++i] ?? '')
    else throw new Error(`unknown argument ${a}; use --dry-run, --env, --config, --outdir`)
  }
  return o
}

/** The secrets file: every secret of both groups (function-settings.ts) plus the edge's own. */
export const secretsSchema = z.object({
  ...Object.fromEntries(
    [...secretNames('core'), ...secretNames('ellis')].map((k) => [
      k,
      (FUNCTION_SETTINGS[k] as SettingSpec).optional
        ? z.string().min(32).optional()
        : z.string().min(32),
    ])
  ),
  /** Per region: the Upstash token of that region's database. */
  KV_TOKENS: z.object({ a: z.string().min(1), b: z.string().min(1) }),
  FLOW_TOKEN_SECRET: z.string().min(32),
  FLOW_TOKEN_SECRET_PREVIOUS: z.string().min(32).optional(),
  KV_TOKEN: z.never().optional(),
  KV_REMOTE_TOKEN: z.never().optional(),
  SIGNUP_CODE: z.string().min(8),
})
export type Secrets = Record<string, unknown> & z.output<typeof secretsSchema>

/** The JSON a region's secret of `group` holds. */
export function secretValue(s: Secrets, r: Region, group: 'core' | 'ellis'): string {
  const values: Record<string, string> = {}
  for (const k of secretNames(group)) {
    if (k === 'KV_TOKEN') values[k] = s.KV_TOKENS[r]
    else if (k === 'KV_REMOTE_TOKEN') values[k] = s.KV_TOKENS[r === 'a' ? 'b' : 'a']
    else if (typeof s[k] === 'string') values[k] = s[k] as string
  }
  return JSON.stringify(values)
}

/** The function URLs in `cdk deploy --outputs-file` output, when both regions have them all. */
export function functionUrlsFromOutputs(
  c: DeployConfig,
  outputs: Record<string, Record<string, string>>
): DeployConfig['functionUrls'] {
  const urls = {} as Record<Region, Record<FunctionName, string>>
  for (const r of REGIONS) {
    const o = outputs[stackName(c, r)] ?? {}
    urls[r] = {} as Record<FunctionName, string>
    for (const fn of FUNCTIONS) {
      const u = o[urlOutput(fn)]
      if (!u) return undefined
      urls[r][fn] = u
    }
  }
  return urls
}

/**
 * Edge variables a deployment always pins, whatever wrangler.toml says: loopback connections
 * never claim TLS outside the local cloud (edge/protected-flow.ts, docs/edge.md).
 */
export const EDGE_PINNED_VARS = { EDGE_LOOPBACK_TLS: '0' } as const

/**
 * `wrangler deploy` arguments for the edge (dry run: bundle into `outdir` only): FUNCTION_URLS
 * and HOME_DOMAIN from the configuration, the overridden settings the edge reads too
 * (`edge` in function-settings.ts, e.g. the trace settings), and the pinned variables.
 */
export function wranglerArgs(c: DeployConfig, o: DeployOptions): string[] {
  const args = ['wrangler', 'deploy', '--env', o.env]
  args.push('--var', `FUNCTION_URLS:${JSON.stringify(functionUrlsOf(c))}`)
  args.push('--var', `HOME_DOMAIN:${c.homeDomain}`)
  for (const [k, v] of Object.entries(c.settings) as [SettingName, string][])
    if ((FUNCTION_SETTINGS[k] as SettingSpec).edge) args.push('--var', `${k}:${v}`)
  for (const [k, v] of Object.entries(EDGE_PINNED_VARS)) args.push('--var', `${k}:${v}`)
  const host = new URL(c.edgeUrl).host
  if (!host.endsWith('.workers.dev')) args.push('--domain', host)
  if (o.dryRun) args.push('--dry-run', '--outdir', path.join(o.outdir, 'edge'))
  return args
}

function run(cmd: string, args: string[], input?: string): string {
  console.log(`$ ${cmd} ${args.map((a) => (a.length > 80 ? `${a.slice(0, 77)}...` : a)).join(' ')}`)
  const r = spawnSync(cmd, args, {
    cwd: ROOT,
    input,
    encoding: 'utf8',
    stdio: [input === undefined ? 'inherit' : 'pipe', 'pipe', 'inherit'],
    maxBuffer: 64 * 1024 * 1024,
  })
  if (r.stdout) process.stdout.write(r.stdout)
  if (r.status !== 0) throw new Error(`${cmd} ${args[0]} ${args[1] ?? ''} failed (${r.status})`)
  return r.stdout ?? ''
}

function synthesise(c: DeployConfig, o: DeployOptions): string {
  const cdkOut = path.join(o.outdir, 'cdk.out')
  const { app } = buildApp(c, { outdir: cdkOut, lambdaDir: path.join(DIST, 'lambda') })
  app.synth()
  return cdkOut
}

function cdkDeploy(cdkOut: string, stacks: string[], outputsFile: string) {
  run('npx', [
    'cdk',
    'deploy',
    '--app',
    cdkOut,
    '--require-approval',
    'never',
    '--outputs-file',
    outputsFile,
    ...stacks,
  ])
  return JSON.parse(readFileSync(outputsFile, 'utf8')) as Record<string, Record<string, string>>
}

export async function deploy(o: DeployOptions): Promise<void> {
  const raw = JSON.parse(readFileSync(o.config, 'utf8')) as Record<string, unknown>
  mkdirSync(o.outdir, { recursive: true })
  console.log('1. build')
  await buildAll({ lambda: true })
  let secrets: Secrets | undefined
  if (!o.dryRun) {
    const file = process.env.EDGEWATER_SECRETS_FILE
    if (!file) throw new Error('EDGEWATER_SECRETS_FILE must name the secrets file (docs/deploy.md)')
    secrets = secretsSchema.parse(JSON.parse(readFileSync(file, 'utf8'))) as Secrets
    // A digest of the secrets on every function: a changed secret means fresh cold starts.
    raw.secretsVersion = createHash('sha256')
      .update(JSON.stringify(secrets))
      .digest('hex')
      .slice(0, 16)
  }
  let config = parseDeployConfig(raw)
  console.log('2. synthesise')
  let cdkOut = synthesise(config, o)
  if (o.dryRun) {
    console.log('4. edge (dry run)')
    run('npx', wranglerArgs(config, o))
    console.log(
      `dry run: cloud assembly in ${cdkOut}, edge bundle in ${path.join(o.outdir, 'edge')}`
    )
    return
  }
  const outputsFile = path.join(o.outdir, 'outputs.json')
  console.log('3. AWS')
  const regionStacks = REGIONS.map((r) => stackName(config, r))
  let outputs = cdkDeploy(cdkOut, [globalTableStackName(config), ...regionStacks], outputsFile)
  for (const r of REGIONS)
    for (const group of ['core', 'ellis'] as const)
      run('aws', [
        'secretsmanager',
        'put-secret-value',
        '--region',
        config.awsRegions[r],
        '--secret-id',
        secretName(config, r, group),
        '--secret-string',
        secretValue(secrets!, r, group),
      ])
  const urls = functionUrlsFromOutputs(config, outputs)
  if (!urls)
    throw new Error(`the regional stacks did not output every function URL (${outputsFile})`)
  if (JSON.stringify(urls) !== JSON.stringify(config.functionUrls)) {
    config = parseDeployConfig({ ...raw, functionUrls: urls })
    writeFileSync(path.join(o.outdir, 'function-urls.json'), `${JSON.stringify(urls, null, 2)}\n`)
    cdkOut = synthesise(config, o)
    outputs = cdkDeploy(cdkOut, regionStacks, outputsFile)
  }
  console.log('4. edge')
  for (const k of [
    'HOP_SECRET',
    'FLOW_TOKEN_SECRET',
    'HOP_SECRET_PREVIOUS',
    'FLOW_TOKEN_SECRET_PREVIOUS',
  ])
    if (typeof secrets![k] === 'string')
      run('npx', ['wrangler', 'secret', 'put', k, '--env', o.env], secrets![k] as string)
  run('npx', wranglerArgs(config, o))
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'
  await deploy(parseArgs(process.argv.slice(2)))
}
