/**
 * @module edge/static-assets
 * The web portal at `/` (architecture §2, §6): the pages, stylesheet and scripts built by
 * edge/assets/build-portal.ts and inlined into the edge bundle (portal-assets.ts). Each file is
 * its own GET/HEAD route, so nothing else the edge serves (`/sip`, `/api`, `/healthz`) can be
 * shadowed. Answers carry a strong ETag (304 on a match), `Cache-Control: no-cache` (always
 * revalidate, so a new deployment shows at once), and a Content-Security-Policy that allows only
 * this origin's scripts and styles, WebSocket signalling and WebRTC media.
 */
import type { Hono } from 'hono'
import { PORTAL_ASSETS, type PortalAsset } from './assets/portal-assets'
import type { EdgeEnv } from './env'

export const PORTAL_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self' ws: wss:",
  "media-src 'self' blob: mediastream:",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join('; ')

export function assetResponse(
  a: PortalAsset,
  ifNoneMatch: string | undefined,
  head: boolean
): Response {
  const headers: Record<string, string> = {
    'content-type': a.type,
    etag: a.etag,
    'cache-control': 'no-cache',
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'same-origin',
  }
  if (a.type.startsWith('text/html')) {
    headers['content-security-policy'] = PORTAL_CSP
    headers['x-frame-options'] = 'DENY'
  }
  if (ifNoneMatch?.split(',').some((t) => t.trim() === a.etag))
    return new Response(null, { status: 304, headers })
  return new Response(head ? null : a.body, { status: 200, headers })
}

/** Mounts every portal file on the edge app. */
export function mountStaticAssets(
  app: Hono<{ Bindings: EdgeEnv }>,
  assets: Record<string, PortalAsset> = PORTAL_ASSETS
): void {
  for (const [path, a] of Object.entries(assets))
    app.get(path, (c) => assetResponse(a, c.req.header('if-none-match'), c.req.method === 'HEAD'))
}
