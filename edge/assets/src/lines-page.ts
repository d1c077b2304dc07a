/**
 * @module portal/lines-page
 * The lines page: the account's numbers with their SIP identities and directory flag, a button
 * for a new number (PSTN or not), and per line: settings, phone, a new SIP password, delete. New
 * SIP credentials are shown once, in a panel that takes the focus; the password is also kept in
 * this tab's session storage so the phone page can fill it in.
 */
import {
  ApiError,
  accountPath,
  api,
  apiJson,
  linePath,
  type Me,
  type NumberInfo,
  requireUser,
} from './api'
import { busy, byId, el, status } from './dom'
import { rememberSipPassword } from './sip-credentials'

const wsUrl = () => `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/sip`

function showCredentials(
  n: { sip_uri: string; private_id: string; domain: string },
  password: string
) {
  rememberSipPassword(n.sip_uri, password)
  byId('cred-uri').textContent = n.sip_uri
  byId('cred-user').textContent = n.private_id
  byId('cred-password').textContent = password
  byId('cred-domain').textContent = n.domain
  byId('cred-ws').textContent = wsUrl()
  byId<HTMLAnchorElement>('cred-phone').href = `/phone.html?line=${encodeURIComponent(n.sip_uri)}`
  const panel = byId('credentials')
  panel.hidden = false
  panel.focus()
}

function explain(err: unknown): string {
  if (err instanceof ApiError && err.status === 503)
    return 'No numbers are free right now. Please try again later.'
  return err instanceof Error ? err.message : 'Something went wrong.'
}

async function render(me: Me): Promise<void> {
  const { numbers } = await apiJson<{ numbers: NumberInfo[] }>(
    'GET',
    `${accountPath(me.username)}/numbers`
  )
  const body = byId('lines')
  body.replaceChildren()
  byId('no-lines').hidden = numbers.length > 0
  for (const n of numbers) {
    const settings = el(
      'a',
      { href: `/settings.html?line=${encodeURIComponent(n.sip_uri)}`, class: 'button secondary' },
      'Settings'
    )
    const phone = el(
      'a',
      { href: `/phone.html?line=${encodeURIComponent(n.sip_uri)}`, class: 'button secondary' },
      'Phone'
    )
    const calls = el(
      'a',
      { href: `/calls.html?line=${encodeURIComponent(n.sip_uri)}`, class: 'button secondary' },
      'Call history'
    )
    const reset = el(
      'button',
      {
        type: 'button',
        class: 'secondary',
        'aria-label': `New SIP password for ${n.formatted_number}`,
      },
      'New SIP password'
    )
    const del = el(
      'button',
      { type: 'button', class: 'danger', 'aria-label': `Delete ${n.formatted_number}` },
      'Delete'
    )
    reset.addEventListener('click', () =>
      busy(reset, async () => {
        try {
          const r = await apiJson<{ sip_password: string }>(
            'POST',
            `${linePath(me.username, n.sip_uri)}/password`
          )
          status(`New SIP password set for ${n.formatted_number}.`, 'ok')
          showCredentials(n, r.sip_password)
        } catch (err) {
          status(explain(err), 'error')
        }
      })
    )
    del.addEventListener('click', () => {
      if (
        !confirm(`Delete ${n.formatted_number} (${n.sip_uri})? Calls to it will stop reaching you.`)
      )
        return
      void busy(del, async () => {
        try {
          await api('DELETE', linePath(me.username, n.sip_uri))
          status(`${n.formatted_number} deleted.`, 'ok')
          await render(me)
        } catch (err) {
          status(explain(err), 'error')
        }
      })
    })
    body.append(
      el(
        'tr',
        { 'data-line': n.sip_uri },
        el('td', {}, n.formatted_number + (n.pstn ? ' (PSTN)' : '')),
        el('td', {}, n.sip_uri),
        el('td', {}, n.private_id),
        el('td', {}, n.gab_listed ? 'Yes' : 'No'),
        el('td', {}, el('div', { class: 'actions' }, settings, phone, calls, reset, del))
      )
    )
  }
}

export async function linesPage(): Promise<void> {
  const me = await requireUser()
  byId('who').textContent = `Logged in as ${me.full_name} (${me.username}).`
  byId('cred-done').addEventListener('click', () => {
    byId('credentials').hidden = true
    byId('allocate').focus()
  })
  byId<HTMLFormElement>('allocate-form').addEventListener('submit', (ev) => {
    ev.preventDefault()
    const pstn = byId<HTMLInputElement>('pstn').checked
    void busy(byId<HTMLButtonElement>('allocate'), async () => {
      try {
        status('Getting a number…')
        const n = await apiJson<NumberInfo>(
          'POST',
          `${accountPath(me.username)}/numbers${pstn ? '?pstn=true' : ''}`
        )
        status(`Your new number is ${n.formatted_number}.`, 'ok')
        await render(me)
        if (n.sip_password) showCredentials(n, n.sip_password)
      } catch (err) {
        status(explain(err), 'error')
      }
    })
  })
  try {
    await render(me)
  } catch (err) {
    status(explain(err), 'error')
  }
}
