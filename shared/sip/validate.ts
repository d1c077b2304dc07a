/**
 * @module validate
 * Message-level checks `parseMessage` runs after splitting: the mandatory headers of RFC 3261
 * §8.1.1 (To, From, CSeq, Call-ID, Via; Max-Forwards is not required so RFC 2543 requests still
 * parse, RFC 4475 §3.4.1) must be present, the single-valued ones exactly once (RFC 4475 §3.3.8),
 * each must parse (which also fills the parse cache the proxy reads next), the CSeq method must
 * match the request method (RFC 3261 §8.1.1.5, RFC 4475 §3.1.2.17), and a Request-URI must not
 * carry URI headers (RFC 3261 §19.1.5 table, RFC 4475 §3.1.2.11).
 */
import { SipParseError } from './errors'
import type { HeaderField } from './header-field'
import { displayName } from './header-names'
import type { SipMessage } from './message'
import type { CSeq } from './scalar-headers'
import type { Uri } from './uri'

/** Throws `SipParseError` when `m` lacks, repeats or garbles a header every message needs. */
export function validateMessage(m: SipMessage): void {
  let from: HeaderField | undefined
  let to: HeaderField | undefined
  let callId: HeaderField | undefined
  let cseq: HeaderField | undefined
  let maxForwards: HeaderField | undefined
  let via: HeaderField | undefined
  let dup: string | undefined
  for (const f of m.headers) {
    switch (f.key) {
      case 'via':
        via ??= f
        break
      case 'from':
        if (from) dup = 'from'
        from = f
        break
      case 'to':
        if (to) dup = 'to'
        to = f
        break
      case 'call-id':
        if (callId) dup = 'call-id'
        callId = f
        break
      case 'cseq':
        if (cseq) dup = 'cseq'
        cseq = f
        break
      case 'max-forwards':
        if (maxForwards) dup = 'max-forwards'
        maxForwards = f
        break
    }
  }
  if (dup !== undefined) {
    throw new SipParseError('multiple-values', `Multiple ${displayName(dup)} headers`, 0, {
      header: dup,
    })
  }
  if (from === undefined) missing('from')
  if (to === undefined) missing('to')
  if (callId === undefined) missing('call-id')
  if (cseq === undefined) missing('cseq')
  if (via === undefined) missing('via')
  from.parsed()
  to.parsed()
  callId.parsed()
  via.parsed()
  maxForwards?.parsed()
  const cs = cseq.parsed() as CSeq
  if (m.kind === 'request') {
    if (cs.method !== m.method) {
      throw new SipParseError(
        'cseq-mismatch',
        'CSeq method does not match request method',
        cseq.vStart,
        {
          header: 'cseq',
        }
      )
    }
    let uri: Uri
    try {
      uri = m.uri
    } catch (e) {
      if (e instanceof SipParseError)
        throw new SipParseError('uri', `Bad Request-URI: ${e.reason}`, e.offset)
      throw e
    }
    if (uri.kind === 'sip' && uri.headers.length > 0) {
      throw new SipParseError('uri', 'Request-URI must not contain headers', 0)
    }
  }
}

function missing(key: string): never {
  throw new SipParseError('missing-header', `Missing ${displayName(key)} header`, 0, {
    header: key,
  })
}
