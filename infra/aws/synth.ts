/**
 * @module infra/aws/synth
 * `npm run synth`: synthesises the CDK app into dist/aws/cdk.out (the global table stack and
 * both regional stacks), from the deployment configuration in `EDGEWATER_DEPLOY_CONFIG`
 * (default infra/aws/example.config.json) and the Lambda bundles in dist/lambda
 * (`npm run build`). Also the CDK CLI's `--app` (`cdk -a "npx tsx infra/aws/synth.ts"`): the CLI
 * passes the output folder in `CDK_OUTDIR`.
 */
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { DIST, ROOT } from '../local/build'
import { buildApp } from './app'
import { loadDeployConfig } from './deploy-config'

export const EXAMPLE_CONFIG = path.join(ROOT, 'infra/aws/example.config.json')

export function synth(configFile: string, outdir: string, lambdaDir = path.join(DIST, 'lambda')) {
  const { app } = buildApp(loadDeployConfig(configFile), { outdir, lambdaDir })
  return app.synth()
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const outdir = process.env.CDK_OUTDIR || path.join(DIST, 'aws', 'cdk.out')
  const asm = synth(process.env.EDGEWATER_DEPLOY_CONFIG || EXAMPLE_CONFIG, outdir)
  console.log(`synthesised ${asm.stacks.map((s) => s.stackName).join(', ')} into ${outdir}`)
}
