/**
 * @module build
 * Bundles the edge and every function with esbuild: Workers bundles (ESM, workerd conditions)
 * that miniflare runs locally and wrangler deploys, and Node bundles for AWS Lambda.
 * `npm run build` runs it; the local cloud runs it at start-up (about a second).
 */
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { type BuildOptions, build } from 'esbuild'
import { portalAssetsPlugin } from '../../edge/assets/build-portal'
import { FUNCTIONS } from '../../shared/config/regions'

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
export const DIST = path.join(ROOT, 'dist')

const workerOptions: BuildOptions = {
  bundle: true,
  format: 'esm',
  platform: 'browser',
  conditions: ['workerd', 'worker', 'browser'],
  mainFields: ['browser', 'module', 'main'],
  target: 'es2022',
  external: ['cloudflare:workers', 'node:*'],
  sourcemap: 'linked',
  logLevel: 'warning',
  legalComments: 'none',
}

export interface BuildResult {
  edge: string
  functions: Record<string, string>
}

export async function buildAll(opts: { lambda?: boolean } = {}): Promise<BuildResult> {
  const edge = path.join(DIST, 'edge.js')
  const functions: Record<string, string> = {}
  const jobs: Promise<unknown>[] = [
    // The web portal is built with the edge and inlined into it (edge/assets/build-portal.ts).
    build({
      ...workerOptions,
      entryPoints: [path.join(ROOT, 'edge/worker.ts')],
      outfile: edge,
      plugins: [portalAssetsPlugin()],
    }),
  ]
  for (const fn of FUNCTIONS) {
    functions[fn] = path.join(DIST, 'functions', `${fn}.js`)
    jobs.push(
      build({
        ...workerOptions,
        entryPoints: [path.join(ROOT, 'functions', fn, 'worker.ts')],
        outfile: functions[fn],
      })
    )
    if (opts.lambda) {
      jobs.push(
        build({
          bundle: true,
          format: 'esm',
          platform: 'node',
          target: 'node22',
          entryPoints: [path.join(ROOT, 'functions', fn, 'lambda.ts')],
          outfile: path.join(DIST, 'lambda', fn, 'index.mjs'),
          logLevel: 'warning',
        })
      )
    }
  }
  await Promise.all(jobs)
  return { edge, functions }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const t0 = Date.now()
  await buildAll({ lambda: true })
  console.log(
    `built edge, ${FUNCTIONS.length} functions (workers + lambda) into dist/ in ${Date.now() - t0} ms`
  )
}
