/**
 * @module @edgewater/sip
 * Public entry point of the SIP message core (pure: no I/O, no globals). Parse with
 * `parseMessage(text)` (throws `SipParseError`) or `tryParseMessage`; read headers through the
 * typed accessors of `SipRequest`/`SipResponse`; mutate with set/append/prepend/remove/shift;
 * serialise with `serializeMessage`. Also exported: URI and name-addr parse/serialize/compare,
 * header value parsers, digest authentication, builders, the stream framer, errors and timers.
 */
export * from './errors'
export * from './message'
export * from './parse-message'
