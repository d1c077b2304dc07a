/**
 * @module ims/xcap-error
 * RFC 4825 §11 error documents (`application/xcap-error+xml`): the body of a refused PUT, one
 * error element whose `phrase` carries the reason naming the offending element, plus the
 * `<exists field>` child a uniqueness failure reports. Pure.
 */
import type { SimservsError } from './simservs-check'

export const XCAP_ERROR_NS = 'urn:ietf:params:xml:ns:xcap-error'
export const XCAP_ERROR_CONTENT_TYPE = 'application/xcap-error+xml'
/** RFC 4825 media types of an element and of an attribute fetched on their own. */
export const XCAP_ELEMENT_CONTENT_TYPE = 'application/xcap-el+xml'
export const XCAP_ATTRIBUTE_CONTENT_TYPE = 'application/xcap-att+xml'
/** Media type of a simservs document as registered with IANA (ETSI TS 183 023, used by TS 24.623). */
export const SIMSERVS_CONTENT_TYPE = 'application/vnd.etsi.simservs+xml'

export function escapeXmlAttribute(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/[\r\n\t]/g, (c) => `&#${c.charCodeAt(0)};`)
}

export function xcapErrorBody(e: Pick<SimservsError, 'kind' | 'reason' | 'field'>): string {
  const phrase = `phrase="${escapeXmlAttribute(e.reason)}"`
  const inner =
    e.kind === 'uniqueness-failure' && e.field
      ? `<uniqueness-failure ${phrase}><exists field="${escapeXmlAttribute(e.field)}"/></uniqueness-failure>`
      : `<${e.kind} ${phrase}/>`
  return `<?xml version="1.0" encoding="UTF-8"?>\n<xcap-error xmlns="${XCAP_ERROR_NS}">${inner}</xcap-error>\n`
}

/**
 * The HTTP status of a refused document: well-formedness and schema failures are 400 (as
 * Clearwater's Homer answered, and what Ellis expects); a uniqueness or encoding constraint is
 * RFC 4825 §8.2's 409 Conflict.
 */
export function statusForDocumentError(e: Pick<SimservsError, 'kind'>): 400 | 409 {
  return e.kind === 'uniqueness-failure' || e.kind === 'not-utf-8' ? 409 : 400
}
