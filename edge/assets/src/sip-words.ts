/**
 * @module portal/sip-words
 * SIP final responses (RFC 3261 §21) in the plain words the phone page shows.
 */
const WORDS: Record<number, string> = {
  401: 'the password for this line was not accepted',
  403: 'the server refused this line (check the SIP password)',
  404: 'that number does not exist',
  407: 'the password for this line was not accepted',
  408: 'nobody answered in time',
  410: 'that number is no longer in use',
  480: 'the person is not available right now',
  484: 'that number is incomplete',
  486: 'the person is busy',
  487: 'the call was cancelled',
  488: 'the other phone cannot handle this kind of call',
  500: 'the server had a problem',
  503: 'the service is unavailable; try again shortly',
  504: 'the server did not answer in time',
  600: 'the person is busy',
  603: 'the call was declined',
  604: 'that number does not exist anywhere',
}

export function sipWords(code: number, reason: string): string {
  const w = WORDS[code] ?? (code >= 500 ? 'the server had a problem' : 'the request was refused')
  return `${w} (${code} ${reason})`
}
