/**
 * @module portal/auth-pages
 * The pages before login: the landing page (sends a logged-in person to their lines), log in,
 * sign up (then logs in), "forgot password" (asks for the mail; the answer is the same whether or
 * not the address has an account) and the reset page the mailed link opens.
 */
import { ApiError, accountPath, api, currentUser } from './api'
import { busy, byId, param, status } from './dom'

const value = (id: string) => byId<HTMLInputElement>(id).value.trim()

/**
 * Where to go after logging in: the page that sent us here, if it is one of ours. The value is
 * resolved the way the browser will resolve it (WHATWG URL: `\` counts as `/`, tabs and newlines
 * vanish), so `/\evil.example` or `/<tab>/evil.example`, which become `//evil.example`, are
 * refused along with every other origin; only a path of this origin is followed.
 */
export function safeNext(raw: string | undefined, origin: string): string {
  const fallback = '/lines.html'
  const suspicious = (ch: string) => ch === '\\' || ch.charCodeAt(0) < 0x20 || ch === '\u007f'
  if (!raw?.startsWith('/') || [...raw].some(suspicious)) return fallback
  let target: URL
  try {
    target = new URL(raw, origin)
  } catch {
    return fallback
  }
  if (target.origin !== new URL(origin).origin || target.pathname.startsWith('//')) return fallback
  return `${target.pathname}${target.search}${target.hash}`
}

const next = () => safeNext(param('next'), location.origin)

function fail(err: unknown): void {
  status(err instanceof ApiError ? err.message : 'Something went wrong. Please try again.', 'error')
}

export async function indexPage(): Promise<void> {
  const me = await currentUser().catch(() => undefined)
  if (me) location.replace('/lines.html')
  else status('You are not logged in.')
}

async function logIn(email: string, password: string): Promise<void> {
  await api('POST', '/session', { json: { email, password } })
}

export function loginPage(): void {
  const form = byId<HTMLFormElement>('login-form')
  if (param('reset') === '1') status('Your password was changed. Log in with the new one.', 'ok')
  form.addEventListener('submit', (ev) => {
    ev.preventDefault()
    const email = value('email')
    const password = byId<HTMLInputElement>('password').value
    if (!email || !password) return status('Enter your e-mail address and password.', 'error')
    void busy(byId<HTMLButtonElement>('login-button'), async () => {
      try {
        status('Logging in…')
        await logIn(email, password)
        location.assign(next())
      } catch (err) {
        if (err instanceof ApiError && err.status === 403)
          status('The e-mail address or password is not right.', 'error')
        else fail(err)
      }
    })
  })
}

export function signupPage(): void {
  byId<HTMLFormElement>('signup-form').addEventListener('submit', (ev) => {
    ev.preventDefault()
    const fullName = value('full-name')
    const email = value('email')
    const password = byId<HTMLInputElement>('password').value
    const code = value('signup-code')
    const missing = [
      !fullName && 'full name',
      !email && 'e-mail address',
      password.length < 6 && 'a password of at least 6 characters',
      !code && 'signup code',
    ].filter(Boolean)
    if (missing.length) return status(`Please enter your ${missing.join(', ')}.`, 'error')
    void busy(byId<HTMLButtonElement>('signup-button'), async () => {
      try {
        status('Creating your account…')
        await api('POST', '/accounts', {
          json: { email, password, full_name: fullName },
          headers: { 'NGV-Signup-Code': code },
        })
        await logIn(email, password)
        location.assign('/lines.html')
      } catch (err) {
        if (err instanceof ApiError && err.status === 403)
          status('The signup code is not right.', 'error')
        else if (err instanceof ApiError && err.status === 409)
          status('That e-mail address already has an account. Log in instead.', 'error')
        else fail(err)
      }
    })
  })
}

export function forgotPage(): void {
  byId<HTMLFormElement>('forgot-form').addEventListener('submit', (ev) => {
    ev.preventDefault()
    const email = value('email')
    if (!email) return status('Enter your e-mail address.', 'error')
    void busy(byId<HTMLButtonElement>('forgot-button'), async () => {
      try {
        await api('POST', `${accountPath(email)}/password`)
        status(
          'If that address has an account, a link to reset the password is on its way. It works for 24 hours.',
          'ok'
        )
      } catch (err) {
        fail(err)
      }
    })
  })
}

export function resetPage(): void {
  const token = param('token')
  const emailInput = byId<HTMLInputElement>('email')
  emailInput.value = param('email') ?? ''
  if (!token) status('This page needs the link from the reset mail.', 'error')
  byId<HTMLFormElement>('reset-form').addEventListener('submit', (ev) => {
    ev.preventDefault()
    const email = value('email')
    const password = byId<HTMLInputElement>('password').value
    if (!token) return status('This page needs the link from the reset mail.', 'error')
    if (password.length < 6) return status('Choose a password of at least 6 characters.', 'error')
    void busy(byId<HTMLButtonElement>('reset-button'), async () => {
      try {
        await api('POST', `${accountPath(email)}/password`, {
          body: password,
          headers: { 'content-type': 'text/plain', 'NGV-Recovery-Token': token },
        })
        location.assign('/login.html?reset=1')
      } catch (err) {
        if (err instanceof ApiError && err.status === 422)
          status('This reset link is not valid any more. Ask for a new one.', 'error')
        else fail(err)
      }
    })
  })
}
