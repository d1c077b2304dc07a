/**
 * @module portal/calls-page
 * The call history of one line (`/calls.html?line=<sip uri>`): the line's Memento call list
 * (docs/memento.md) through Ellis's `GET …/numbers/{sip_uri}/call-list`, which only the line's
 * owner may read, parsed from `call-list.xml` and shown newest first: direction, the other party
 * (name and URI; "Anonymous" for a withheld caller), answered or missed, start time and duration.
 */
import { api, linePath, requireUser } from './api'
import { busy, byId, el, param, status } from './dom'

export interface ListedCall {
  outgoing: boolean
  answered: boolean
  other: { uri: string; name: string }
  start: string
  answer?: string
  end?: string
}

const text = (parent: Element, tag: string) =>
  parent.getElementsByTagName(tag)[0]?.textContent?.trim() ?? ''

/** The calls of a `call-list.xml` document, in document order (newest first). */
export function parseCallList(xml: string): ListedCall[] {
  const doc = new DOMParser().parseFromString(xml, 'application/xml')
  if (doc.getElementsByTagName('parsererror').length > 0)
    throw new Error('The call list could not be read.')
  return [...doc.getElementsByTagName('call')].map((c) => {
    const outgoing = text(c, 'outgoing') === '1'
    const party = c.getElementsByTagName(outgoing ? 'to' : 'from')[0]
    const answer = text(c, 'answer-time')
    const end = text(c, 'end-time')
    return {
      outgoing,
      answered: text(c, 'answered') === '1',
      other: { uri: party ? text(party, 'URI') : '', name: party ? text(party, 'name') : '' },
      start: text(c, 'start-time'),
      ...(answer ? { answer } : {}),
      ...(end ? { end } : {}),
    }
  })
}

function duration(c: ListedCall): string {
  if (!c.answer || !c.end) return c.answered ? 'in progress' : '—'
  const s = Math.max(0, Math.round((Date.parse(c.end) - Date.parse(c.answer)) / 1000))
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`
}

function row(c: ListedCall): HTMLTableRowElement {
  const who = c.other.name ? `${c.other.name} (${c.other.uri})` : c.other.uri
  const result = c.answered ? 'Answered' : c.outgoing ? 'Not answered' : 'Missed'
  return el(
    'tr',
    { class: 'call-row' },
    el('td', {}, c.outgoing ? 'Outgoing' : 'Incoming'),
    el('td', { class: 'other-party' }, who),
    el('td', { class: 'result' }, result),
    el('td', {}, el('time', { datetime: c.start }, new Date(c.start).toLocaleString())),
    el('td', {}, duration(c))
  )
}

export async function callsPage(): Promise<void> {
  const me = await requireUser()
  const line = param('line')
  if (!line) {
    status('No line was chosen. Pick one on the Lines page.', 'error')
    return
  }
  byId('title').textContent = `Call history of ${line}`
  const load = async () => {
    const xml = await (await api('GET', `${linePath(me.username, line)}/call-list`)).text()
    const calls = parseCallList(xml)
    byId('calls').replaceChildren(...calls.map(row))
    byId('calls-table').hidden = calls.length === 0
    byId('no-calls').hidden = calls.length > 0
    status(calls.length === 1 ? '1 call.' : `${calls.length} calls.`)
  }
  const refresh = byId<HTMLButtonElement>('refresh')
  refresh.addEventListener('click', () => {
    void busy(refresh, load).catch((err: unknown) =>
      status(err instanceof Error ? err.message : 'The call list could not be read.', 'error')
    )
  })
  await load()
}
