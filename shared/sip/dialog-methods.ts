/**
 * @module dialog-methods
 * Methods whose requests create dialogs (INVITE, RFC 3261 §12.1; SUBSCRIBE and NOTIFY, RFC 6665
 * §4.1; REFER, RFC 3515 §2.4.4), so a proxy that stays on the path adds Record-Route (RFC 3261
 * §16.6 step 4).
 */
export const DIALOG_CREATING: ReadonlySet<string> = new Set([
  'INVITE',
  'SUBSCRIBE',
  'REFER',
  'NOTIFY',
])
