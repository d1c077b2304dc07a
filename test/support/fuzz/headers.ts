/** Content types, header names and header values the fuzzer sends. */
import fc from 'fast-check'

export const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-16',
  'application/xml',
  'application/vnd.etsi.simservs+xml',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'text/plain',
  'text/html; charset=latin1',
  'application/octet-stream',
  'message/sip',
  '*/*',
  '',
  ';;;',
  'application/json; boundary="',
]

export const headerValue = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.constantFrom(
    '',
    '*',
    '"x"',
    'W/"x"',
    'no-cache',
    '-1',
    '99999999999999999999',
    '1e3',
    'bytes=0-1',
    'Digest username="x", realm="example.com", nonce="n", uri="/", response="00"',
    'Digest ,,,,',
    'Basic Zm9vOmJhcg==',
    'username=x.y.z.w',
    '127.0.0.1, 10.0.0.1',
    'a'.repeat(2_000)
  ),
  fc.string({ unit: 'binary-ascii', maxLength: 30 })
)

export const HEADER_NAMES = [
  'content-type',
  'accept',
  'accept-encoding',
  'cache-control',
  'if-match',
  'if-none-match',
  'if-modified-since',
  'range',
  'authorization',
  'cookie',
  'origin',
  'referer',
  'x-sequence-number',
  'x-forwarded-for',
  'x-forwarded-host',
  'x-forwarded-proto',
  'x-http-method-override',
  'x-edgewater-client-ip',
  'x-edgewater-forwarded-by',
  'x-edgewater-clock-offset',
  'ngv-api-key',
  'ngv-signup-code',
  'ngv-recovery-token',
  'cf-connecting-ip',
  'x-fuzz',
]

/** Header values node:http will put on the wire (no CR, LF or NUL; Latin-1 only). */
export const wireSafe = (v: string) => v.replace(/[^\t\x20-\x7e\x80-\xff]/g, '?')
