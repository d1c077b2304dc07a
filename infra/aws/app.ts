/**
 * @module infra/aws/app
 * The CDK app: the global table stack (region a) and one regional stack per region. The regional
 * stacks find the table, each other's timers functions and Scheduler groups by their
 * deterministic names, so no stack imports another's outputs; the function URLs, which AWS
 * chooses, reach the functions through the configuration (`functionUrls`), which
 * `npm run deploy` fills from the stacks' outputs (infra/deploy/deploy.ts).
 */
import path from 'node:path'
import { App, type Stack } from 'aws-cdk-lib'
import * as lambda from 'aws-cdk-lib/aws-lambda'
import { type FunctionName, REGIONS, type Region } from '../../shared/config/regions'
import type { DeployConfig } from './deploy-config'
import { GlobalTableStack, globalTableStackName } from './global-table-stack'
import { RegionalStack, stackName } from './regional-stack'
import { checkFunctionSettings } from './settings-check'

export interface EdgewaterApp {
  app: App
  table: Stack
  regions: Record<Region, RegionalStack>
}

export interface BuildAppOptions {
  /** Where the CDK writes the cloud assembly. */
  outdir?: string
  /** dist/lambda, holding <fn>/index.mjs (npm run build); tests pass an inline stub. */
  lambdaDir?: string
  code?: (fn: FunctionName) => lambda.Code
}

export function buildApp(config: DeployConfig, o: BuildAppOptions = {}): EdgewaterApp {
  checkFunctionSettings(config)
  const app = new App(o.outdir ? { outdir: o.outdir } : {})
  const env = (r: Region) => ({ account: config.account, region: config.awsRegions[r] })
  const code =
    o.code ??
    ((fn: FunctionName) => lambda.Code.fromAsset(path.join(o.lambdaDir ?? 'dist/lambda', fn)))
  const table = new GlobalTableStack(app, globalTableStackName(config), {
    env: env('a'),
    config,
    description: 'Edgewater global table (replicas in both regions)',
  })
  const regions = Object.fromEntries(
    REGIONS.map((r) => {
      const s = new RegionalStack(app, stackName(config, r), {
        env: env(r),
        region: r,
        config,
        code,
        description: `Edgewater functions, region ${r} (${config.awsRegions[r]})`,
      })
      s.addStackDependency(table)
      return [r, s]
    })
  ) as Record<Region, RegionalStack>
  return { app, table, regions }
}
