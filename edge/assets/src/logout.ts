/**
 * @module portal/logout
 * The Log out button of the logged-in pages: ends the session (every session of the account)
 * and goes to the login page.
 */
import { api } from './api'

export function wireLogout(): void {
  document.getElementById('logout')?.addEventListener('click', async () => {
    try {
      await api('DELETE', '/session')
    } finally {
      location.assign('/login.html')
    }
  })
}
