/**
 * @module portal/sip-credentials
 * SIP passwords the lines page has just shown, kept in this tab's session storage (gone when
 * the tab closes; never sent anywhere but to the registrar's digest challenge) so the phone page
 * can register the line without retyping the password.
 */
const key = (sipUri: string) => `edgewater.sip-password.${sipUri}`

export function rememberSipPassword(sipUri: string, password: string): void {
  try {
    sessionStorage.setItem(key(sipUri), password)
  } catch {
    // storage disabled: the person types it on the phone page
  }
}

export function recalledSipPassword(sipUri: string): string | undefined {
  try {
    return sessionStorage.getItem(key(sipUri)) ?? undefined
  } catch {
    return undefined
  }
}
