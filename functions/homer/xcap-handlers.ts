/**
 * @module homer/xcap-handlers
 * The four XCAP operations Homer serves on a simservs document (RFC 4825 §7–8, Clearwater's
 * Homer API in clearwater-interfaces §3): fetch the document, fetch one element or attribute of
 * it through a node selector, replace it, delete it. Each takes the parsed target and the
 * request's conditional headers and returns a Response with the document's ETag on it
 * (RFC 4825 §7.11). Documents are validated by `parseSimservs` before they are stored.
 */
import { parseSimservs } from '../../shared/ims/simservs'
import { SIMSERVS_NS } from '../../shared/ims/simservs-model'
import {
  SIMSERVS_CONTENT_TYPE,
  statusForDocumentError,
  XCAP_ATTRIBUTE_CONTENT_TYPE,
  XCAP_ELEMENT_CONTENT_TYPE,
  XCAP_ERROR_CONTENT_TYPE,
  xcapErrorBody,
} from '../../shared/ims/xcap-error'
import { parseNodeSelector, selectNode } from '../../shared/ims/xcap-node-selector'
import { type ConditionalHeaders, evaluatePreconditions } from '../../shared/ims/xcap-preconditions'
import type { XcapTarget } from '../../shared/ims/xcap-uri'
import { parseXmlTree } from '../../shared/ims/xcap-xml-tree'
import { HOMER_LIMITS } from './homer-config'
import type { HomerDeps } from './homer-deps'
import type { Caller } from './ut-access'

export interface XcapRequest {
  method: string
  target: XcapTarget
  conditions: ConditionalHeaders
  body: Uint8Array
  caller: Caller
}

export function jsonResponse(
  status: number,
  body: unknown,
  headers: Record<string, string | undefined> = {}
): Response {
  const h = new Headers({ 'content-type': 'application/json' })
  for (const [k, v] of Object.entries(headers)) if (v !== undefined) h.set(k, v)
  return new Response(status === 204 || status === 304 ? null : JSON.stringify(body), {
    status,
    headers: h,
  })
}

const errorName: Record<number, string> = {
  304: 'not modified',
  400: 'bad request',
  404: 'not found',
  409: 'conflict',
  412: 'precondition failed',
  413: 'payload too large',
  503: 'unavailable',
}

export function errorResponse(
  status: number,
  reason: string,
  headers: Record<string, string | undefined> = {}
): Response {
  return jsonResponse(status, { error: errorName[status] ?? 'error', reason }, headers)
}

function body(method: string, content: string): string | null {
  return method === 'HEAD' ? null : content
}

/** GET/HEAD of the whole document or of the node a selector names. */
export async function fetchDocument(req: XcapRequest, deps: HomerDeps): Promise<Response> {
  const { target } = req
  const stored = await deps.documents.get(target.xui)
  if (!stored) return errorResponse(404, `no simservs document for ${target.xui}`)
  const etag = stored.etag
  const pre = evaluatePreconditions(req.method, req.conditions, etag)
  if (!pre.ok) return errorResponse(pre.status, pre.reason, { etag })
  if (target.nodeSelector === undefined)
    return new Response(body(req.method, stored.xml), {
      status: 200,
      headers: { 'content-type': SIMSERVS_CONTENT_TYPE, etag },
    })
  // RFC 4825 §8.3 (GET handling): the element as it appears in the document, byte for byte.
  const selector = parseNodeSelector(target.nodeSelector)
  if (!selector.ok) return errorResponse(400, selector.reason, { etag })
  const tree = parseXmlTree(stored.xml)
  if (!tree.ok) return errorResponse(404, 'the stored document cannot be navigated', { etag })
  const picked = selectNode(tree.root, selector.value, target.namespaces, SIMSERVS_NS)
  switch (picked.kind) {
    case 'element':
      return new Response(
        body(req.method, stored.xml.slice(picked.element.start, picked.element.end)),
        {
          status: 200,
          headers: { 'content-type': XCAP_ELEMENT_CONTENT_TYPE, etag },
        }
      )
    case 'attribute':
      return new Response(body(req.method, picked.value), {
        status: 200,
        headers: { 'content-type': XCAP_ATTRIBUTE_CONTENT_TYPE, etag },
      })
    case 'none':
      return errorResponse(404, `${target.nodeSelector}: ${picked.reason}`, { etag })
    case 'invalid':
      return errorResponse(400, picked.reason, { etag })
  }
}

/** PUT of the whole document: validate, then store under optimistic versioning. */
export async function replaceDocument(req: XcapRequest, deps: HomerDeps): Promise<Response> {
  const { target } = req
  // A refused write still tells the editor which version is stored (RFC 4825 §7.11 ETags).
  const currentEtag = async () => (await deps.documents.get(target.xui))?.etag
  if (req.body.byteLength > HOMER_LIMITS.maxDocumentBytes)
    return errorResponse(413, `documents are limited to ${HOMER_LIMITS.maxDocumentBytes} bytes`, {
      etag: await currentEtag(),
    })
  let xml: string
  try {
    // RFC 4825 §8.2 (PUT handling): XCAP documents are UTF-8; a BOM is dropped.
    xml = new TextDecoder('utf-8', { fatal: true }).decode(req.body)
  } catch {
    return documentError(
      { kind: 'not-utf-8', reason: 'the document is not valid UTF-8' },
      await currentEtag()
    )
  }
  const parsed = parseSimservs(xml)
  if (!parsed.ok) {
    deps.log.info('simservs document refused', { impu: target.xui, reason: parsed.error.reason })
    return documentError(parsed.error, await currentEtag())
  }
  const out = await deps.documents.put(target.xui, xml, parsed.value, req.conditions)
  if (!out.ok) return errorResponse(out.status, out.reason, { etag: out.etag })
  deps.log.info('simservs stored', {
    impu: target.xui,
    caller: req.caller.kind,
    created: out.created,
  })
  // Clearwater's Homer answers 200 with `{}` (clearwater-interfaces §3, §12.7), also on creation.
  return jsonResponse(200, {}, { etag: out.etag })
}

/** DELETE of the whole document: 204 whether or not it existed (Clearwater). */
export async function removeDocument(req: XcapRequest, deps: HomerDeps): Promise<Response> {
  const out = await deps.documents.delete(req.target.xui, req.conditions)
  if (!out.ok) return errorResponse(out.status, out.reason, { etag: out.etag })
  deps.log.info('simservs deleted', { impu: req.target.xui, caller: req.caller.kind })
  return new Response(null, { status: 204 })
}

function documentError(e: Parameters<typeof xcapErrorBody>[0], etag: string | undefined): Response {
  const headers = new Headers({ 'content-type': XCAP_ERROR_CONTENT_TYPE })
  if (etag) headers.set('etag', etag)
  return new Response(xcapErrorBody(e), { status: statusForDocumentError(e), headers })
}
