/**
 * @module edge/assets/portal-assets
 * The portal's static files, keyed by URL path. This file is a placeholder for type checking and
 * unit tests: when the edge is bundled, the esbuild plugin of build-portal.ts replaces its
 * contents with the freshly built portal (pages, stylesheet, and the script bundles with sip.js),
 * inlined as strings, because the local cloud's edge has no static-assets binding.
 */
export interface PortalAsset {
  /** Content-Type to answer with. */
  type: string
  body: string
  /** Strong validator: a hash of the body. */
  etag: string
}

export const PORTAL_ASSETS: Record<string, PortalAsset> = {}
