/**
 * @module portal
 * Entry of the portal's pages (bundled to /assets/portal.js): runs the script of the page named
 * by `<body data-page>` and wires the Log out button every logged-in page has.
 */
import { forgotPage, indexPage, loginPage, resetPage, signupPage } from './auth-pages'
import { callsPage } from './calls-page'
import { status } from './dom'
import { linesPage } from './lines-page'
import { wireLogout } from './logout'
import { settingsPage } from './settings-page'

const pages: Record<string, () => void | Promise<void>> = {
  index: indexPage,
  login: loginPage,
  signup: signupPage,
  forgot: forgotPage,
  reset: resetPage,
  lines: linesPage,
  settings: settingsPage,
  calls: callsPage,
}

wireLogout()
const run = pages[document.body.dataset.page ?? '']
if (run)
  Promise.resolve(run()).catch((err: unknown) =>
    status(err instanceof Error ? err.message : 'The page could not start.', 'error')
  )
