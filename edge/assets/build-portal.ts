/**
 * @module edge/assets/build-portal
 * Builds the web portal: the page scripts (`src/portal.ts`, and `src/phone.ts` with sip.js from
 * node_modules) bundled and minified by esbuild for browsers, plus the static pages and
 * stylesheet of `public/`. The result goes two ways: `dist/portal/` on disk (what a deployment
 * serves as static assets) and, through {@link portalAssetsPlugin}, into the edge bundle itself as
 * the contents of `portal-assets.ts`, which the edge serves at `/` (static-assets.ts). The local
 * cloud's build (infra/local/build.ts) adds the plugin to the edge build, so every cloud start
 * serves the current portal.
 */
import { createHash } from 'node:crypto'
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { build, type Plugin } from 'esbuild'
import { PORTAL_CSP } from '../static-assets'
import type { PortalAsset } from './portal-assets'

const HERE = path.dirname(fileURLToPath(import.meta.url))
const ROOT = path.resolve(HERE, '../..')
const PUBLIC = path.join(HERE, 'public')
const OUT = path.join(ROOT, 'dist', 'portal')

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.txt': 'text/plain; charset=utf-8',
}

const etagOf = (body: string) =>
  `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`

function asset(file: string, body: string): PortalAsset {
  const type = TYPES[path.extname(file)]
  if (!type) throw new Error(`portal: no content type for ${file}`)
  return { type, body, etag: etagOf(body) }
}

/** Every portal file by URL path (`/` is the index page). */
export async function buildPortal(): Promise<Record<string, PortalAsset>> {
  const bundles = await build({
    entryPoints: {
      portal: path.join(HERE, 'src/portal.ts'),
      phone: path.join(HERE, 'src/phone.ts'),
    },
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    write: false,
    outdir: 'assets',
    legalComments: 'none',
    logLevel: 'warning',
  })
  const assets: Record<string, PortalAsset> = {}
  for (const f of bundles.outputFiles)
    assets[`/assets/${path.basename(f.path)}`] = asset(f.path, f.text)
  for (const name of await readdir(PUBLIC)) {
    const body = await readFile(path.join(PUBLIC, name), 'utf8')
    assets[`/${name}`] = asset(name, body)
  }
  const index = assets['/index.html']
  if (!index) throw new Error('portal: public/index.html is missing')
  assets['/'] = index
  return assets
}

/** Response headers for a static-assets host (Cloudflare Workers Assets `_headers` format). */
export const ASSET_HEADERS = `/*
  X-Content-Type-Options: nosniff
  Referrer-Policy: same-origin
  Cache-Control: no-cache
/*.html
  Content-Security-Policy: ${PORTAL_CSP}
  X-Frame-Options: DENY
/
  Content-Security-Policy: ${PORTAL_CSP}
  X-Frame-Options: DENY
`

/**
 * Writes the built portal to dist/portal/: the static-assets directory of a deployment (with a
 * `_headers` file carrying the same security headers the edge sets itself).
 */
export async function writePortal(assets: Record<string, PortalAsset>): Promise<void> {
  for (const [p, a] of Object.entries(assets)) {
    if (p === '/') continue
    const file = path.join(OUT, p)
    await mkdir(path.dirname(file), { recursive: true })
    await writeFile(file, a.body)
  }
  await writeFile(path.join(OUT, '_headers'), ASSET_HEADERS)
}

/** esbuild plugin for the edge build: `portal-assets.ts` becomes the built portal. */
export function portalAssetsPlugin(): Plugin {
  return {
    name: 'edgewater-portal-assets',
    setup(b) {
      b.onLoad({ filter: /[\\/]edge[\\/]assets[\\/]portal-assets\.ts$/ }, async () => {
        const assets = await buildPortal()
        await writePortal(assets)
        return {
          contents: `export const PORTAL_ASSETS = ${JSON.stringify(assets)};\n`,
          loader: 'js',
          watchDirs: [path.join(HERE, 'src'), PUBLIC],
        }
      })
    },
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const t0 = Date.now()
  const assets = await buildPortal()
  await writePortal(assets)
  const kb = (n: number) => `${(n / 1024).toFixed(0)} KiB`
  for (const [p, a] of Object.entries(assets))
    if (p !== '/') console.log(`${p.padEnd(24)} ${kb(a.body.length)}`)
  console.log(`portal built into dist/portal/ in ${Date.now() - t0} ms`)
}
