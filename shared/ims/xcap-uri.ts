/**
 * @module ims/xcap-uri
 * Splits an XCAP request URI (RFC 4825 §6) into its parts: the application usage (AUID), the
 * user's tree and XCAP User Identifier (XUI, the URL-encoded IMPU), the document name, and the
 * optional node selector after the `~~` separator, with the prefix bindings of the query's
 * `xmlns()` expressions (RFC 4825 §6.4). The path is split before percent-decoding, so an XUI may
 * carry an encoded `/`. Pure.
 */

/** Clearwater's AUID (clearwater-interfaces §3) and the one TS 24.623 registers. */
export const SIMSERVS_AUIDS = ['org.etsi.ngn.simservs', 'simservs.ngn.etsi.org'] as const
export const SIMSERVS_DOCUMENT = 'simservs.xml'

export interface XcapTarget {
  auid: string
  /** The decoded XUI, e.g. `sip:6505550001@example.com`. */
  xui: string
  document: string
  /** The decoded node selector (without `~~/`), when the URI addresses part of the document. */
  nodeSelector: string | undefined
  /** Prefix → namespace bindings from `?xmlns(p=ns)…` for the node selector. */
  namespaces: Map<string, string>
}

export type XcapUriResult =
  | { ok: true; value: XcapTarget }
  | { ok: false; status: 400 | 404; reason: string }

function decode(s: string): string | undefined {
  try {
    return decodeURIComponent(s)
  } catch {
    return undefined
  }
}

/** RFC 4825 §6.4: `query = "xmlns(" prefix "=" namespace ")" *(…)`, possibly percent-encoded. */
export function parseXmlnsQuery(search: string): Map<string, string> | undefined {
  const out = new Map<string, string>()
  const raw = search.startsWith('?') ? search.slice(1) : search
  if (raw === '') return out
  const q = decode(raw)
  if (q === undefined) return undefined
  const re = /xmlns\(\s*([^=()\s]+)\s*=\s*([^()]*?)\s*\)/y
  let i = 0
  while (i < q.length) {
    re.lastIndex = i
    const m = re.exec(q)
    if (!m) return undefined
    out.set(m[1]!, m[2]!)
    i = re.lastIndex
  }
  return out
}

/**
 * Parses `/<auid>/users/<xui>/<document>[/~~/<node selector>]` against the usages and document
 * names this server hosts. Unknown usages, trees or documents are 404; malformed encoding is 400.
 */
export function parseXcapPath(
  pathname: string,
  search: string,
  hosted: { auids: readonly string[]; documents: readonly string[] }
): XcapUriResult {
  const sep = pathname.indexOf('/~~/')
  const docPath = sep < 0 ? pathname : pathname.slice(0, sep)
  const rawSelector = sep < 0 ? undefined : pathname.slice(sep + 4)
  const parts = docPath.split('/')
  // ['', auid, 'users', xui, document]
  if (parts.length !== 5 || parts[0] !== '')
    return { ok: false, status: 404, reason: 'not an XCAP document URI' }
  const [, auid, tree, rawXui, document] = parts as [string, string, string, string, string]
  if (!hosted.auids.includes(auid))
    return { ok: false, status: 404, reason: `no application usage '${auid}'` }
  if (tree !== 'users') return { ok: false, status: 404, reason: `no '${tree}' tree (only users)` }
  if (!hosted.documents.includes(document))
    return { ok: false, status: 404, reason: `no document '${document}' in ${auid}` }
  const xui = decode(rawXui)
  if (xui === undefined || xui === '')
    return { ok: false, status: 400, reason: 'the XUI is not valid percent-encoding' }
  let nodeSelector: string | undefined
  if (rawSelector !== undefined) {
    nodeSelector = decode(rawSelector)
    if (nodeSelector === undefined || nodeSelector === '')
      return { ok: false, status: 400, reason: 'the node selector is empty or badly encoded' }
  }
  const namespaces = parseXmlnsQuery(search)
  if (!namespaces)
    return { ok: false, status: 400, reason: 'the query is not a list of xmlns(prefix=namespace)' }
  return { ok: true, value: { auid, xui, document, nodeSelector, namespaces } }
}
