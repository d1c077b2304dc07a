/**
 * @module bench-own
 * Adapter for `../shared/tools/parser-bench.mjs --own`: `parse(text)` parses with Edgewater's
 * `parseMessage` and reads what a proxy reads (Request-URI, top Via, From/To tags, CSeq, Call-ID,
 * Contact, Authorization), so the comparison with the peers' eager parsers is like for like.
 * Needs the TypeScript loader:
 *   node --import tsx ../shared/tools/parser-bench.mjs --modules . --own shared/sip/bench-own.mjs
 */
import { parseMessage } from './index.ts'

export function parse(text) {
  const m = parseMessage(text)
  if (m.kind === 'request') void m.uri
  const v = m.topVia
  void v.branch
  void m.fromTag
  void m.toTag
  void m.cseq
  void m.callId
  void m.contacts
  void m.get('authorization')
  return m
}
