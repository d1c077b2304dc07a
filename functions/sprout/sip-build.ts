/**
 * @module sprout/sip-build
 * The messages Sprout writes itself, through the SIP core's builders: responses to requests it
 * answers as UAS (RFC 3261 §8.2.6: Via, From, Call-ID and CSeq copied, a To tag added,
 * Record-Route copied into dialog-creating 2xx) and requests it originates as UAC (RFC 3261
 * §8.1.1: NOTIFY in a subscription dialog, third-party REGISTER), plus the random tokens (tags
 * §19.3, branches §8.1.1.7, Call-IDs, nonces) from WebCrypto.
 */
import { buildRequest, buildResponse, type ExtraHeaders } from '../../shared/sip/builders'
import type { SipRequest, SipResponse } from '../../shared/sip/message'
import {
  generateBranch,
  generateCallId,
  generateNonce,
  generateTag,
  type RandomSource,
} from '../../shared/sip/random'

export type HeaderList = ExtraHeaders

const random: RandomSource = (b) => {
  crypto.getRandomValues(b)
}

export const newTag = () => generateTag(random)
export const newBranch = () => generateBranch(random)
export const newCallId = () => generateCallId(random)
/** A digest nonce or opaque value with `bytes` random octets, hex. */
export const newNonce = (bytes = 16) => generateNonce(random, bytes)

export interface ResponseOptions {
  headers?: HeaderList
  body?: string
  contentType?: string
  /** The To tag to add when the request has none (a fresh random one by default). */
  toTag?: string
}

/** A response to `req` (RFC 3261 §8.2.6.2). */
export function respondTo(
  req: SipRequest,
  status: number,
  reason: string,
  opts: ResponseOptions = {}
): SipResponse {
  return buildResponse(req, status, {
    reason,
    random,
    ...(opts.toTag ? { toTag: opts.toTag } : {}),
    ...(opts.headers ? { headers: opts.headers } : {}),
    ...(opts.body ? { body: opts.body } : {}),
    ...(opts.contentType ? { contentType: opts.contentType } : {}),
  })
}

export interface RequestParts {
  method: string
  uri: string
  via: string
  route?: readonly string[]
  from: string
  to: string
  callId: string
  cseq: number
  contact?: string
  headers?: HeaderList
  body?: string
  contentType?: string
}

/** A request Sprout originates (RFC 3261 §8.1.1). */
export function composeRequest(p: RequestParts): SipRequest {
  return buildRequest({
    method: p.method,
    uri: p.uri,
    via: [p.via],
    ...(p.route ? { route: p.route } : {}),
    from: p.from,
    to: p.to,
    callId: p.callId,
    cseq: p.cseq,
    ...(p.contact ? { contact: p.contact } : {}),
    ...(p.headers ? { headers: p.headers } : {}),
    ...(p.body ? { body: p.body } : {}),
    ...(p.contentType ? { contentType: p.contentType } : {}),
  })
}
