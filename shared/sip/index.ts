/**
 * @module @edgewater/sip
 * Public entry point of the SIP message core (pure: no I/O, no globals). Parse with
 * `parseMessage(text)` (throws `SipParseError`) or `tryParseMessage` (returns a `Result`); read
 * headers through the typed accessors of `SipRequest` / `SipResponse`; mutate with
 * set / append / prepend / remove / shift; serialise with `serializeMessage`. Also here: URI and
 * name-addr parse / serialize / compare, header value parsers, Digest authentication, builders,
 * the stream framer, error mapping and timer constants. See docs/sip-core.md.
 */

export {
  type AuthValue,
  authParam,
  type DigestParams,
  digestParams,
  isDigest,
  parseAuthValue,
  serializeAuthValue,
} from './auth-header'
export {
  buildRequest,
  buildResponse,
  createsDialog,
  type ExtraHeaders,
  type RequestParts,
  type ResponseOptions,
  responseFromError,
  stableTag,
} from './builders'
export {
  type Contact,
  contactExpires,
  contactFeatureTags,
  contactInstance,
  contactPubGruu,
  contactQ,
  contactRegId,
  isFeatureTag,
  parseContact,
  serializeContact,
} from './contact'
export {
  buildChallenge,
  buildCredentials,
  type ChallengeOptions,
  type CredentialsOptions,
  computeDigestResponse,
  computeHa1,
  constantTimeEqual,
  type DigestAlgorithm,
  type DigestCheck,
  type DigestQop,
  type DigestResponseInput,
  digestHash,
  formatNonceCount,
  parseDigestAlgorithm,
  verifyDigest,
} from './digest'
export * from './errors'
export { escapeHeader, escapeParam, escapePassword, escapeUser, unescapeUri } from './escape'
export { type FrameEvent, type FramerOptions, StreamFramer } from './framer'
export { type HeaderField, splitList } from './header-field'
export { compactForm, displayName, headerKey } from './header-names'
export {
  HEADER_SPECS,
  type HeaderKey,
  type HeaderSpec,
  type HeaderTypes,
  serializeHeaderValue,
} from './header-table'
export { isIPv4, isIPv6 } from './host'
export { md5, md5Hex, toHex } from './md5'
export {
  type HeaderInput,
  newRequest,
  newResponse,
  type SipMessage,
  SipMessageBase,
  SipRequest,
  SipResponse,
} from './message'
export {
  type NameAddr,
  nameAddr,
  parseNameAddr,
  parseNameAddrList,
  serializeNameAddr,
} from './name-addr'
export {
  findParam,
  getParam,
  hasParam,
  NO_PARAMS,
  type Param,
  paramText,
  serializeParams,
  withoutParam,
  withParam,
} from './params'
export { type ParseErrorAction, parseErrorAction, parseErrorResponse } from './parse-error-response'
export { type ParseOptions, parseMessage, tryParseMessage } from './parse-message'
export {
  generateBranch,
  generateCallId,
  generateNonce,
  generateTag,
  type RandomSource,
  randomHex,
  randomToken,
} from './random'
export {
  type CSeq,
  MAX_CSEQ,
  MAX_DELTA_SECONDS,
  parseCallId,
  parseContentLength,
  parseCSeq,
  parseDeltaSeconds,
  parseMaxForwards,
  serializeCSeq,
} from './scalar-headers'
export { quote, unfold, unquote } from './scan'
export { serializeMessage, serializeMessageBytes } from './serialize'
export { sha256, sha256Hex } from './sha256'
export { reasonPhrase } from './status-codes'
export * from './timers'
export {
  type AbsoluteUri,
  isSipUri,
  parseUri,
  type SipUri,
  serializeUri,
  sipUri,
  type TelUri,
  type Uri,
  type UrnUri,
} from './uri'
export { uriEquals } from './uri-compare'
export { decodeLatin1, decodeUtf8, encodeLatin1, encodeUtf8, utf8Length } from './utf8'
export { validateMessage } from './validate'
export {
  parsePrivacy,
  parseSessionExpires,
  parseTokenList,
  parseValueParams,
  parseValueParamsList,
  type SessionExpires,
  serializeValueParams,
  type ValueWithParams,
} from './value-params'
export {
  BRANCH_MAGIC_COOKIE,
  isRfc3261Branch,
  makeVia,
  parseVia,
  serializeVia,
  type Via,
  viaWithParams,
} from './via'
