/**
 * @module portal/settings-page
 * The MMTEL settings of one line: reads the simservs document through the API, shows it as a
 * form (simservs-form.ts), checks what a person typed (naming the field), writes the whole
 * document back and reads it again to confirm. Rules are rows of labelled controls that can be
 * added and removed with the keyboard. Errors from Homer are shown in its own words.
 */
import { api, linePath, requireUser } from './api'
import { busy, byId, el, param, status } from './dom'
import {
  type BarringCondition,
  type BarringRuleForm,
  type CdivRuleForm,
  formToXml,
  normaliseTarget,
  readSimservs,
  type SimservsForm,
  validateForm,
} from './simservs-form'

const checked = (id: string) => byId<HTMLInputElement>(id).checked
const setChecked = (id: string, v: boolean) => void (byId<HTMLInputElement>(id).checked = v)

let uid = 0
const nextId = (p: string) => `${p}-${++uid}`

function checkbox(label: string, value: boolean, cls: string): HTMLLabelElement {
  return el(
    'label',
    { class: 'inline' },
    el('input', { type: 'checkbox', class: cls, checked: value }),
    label
  )
}

function cdivRow(r: CdivRuleForm): HTMLFieldSetElement {
  const targetId = nextId('cdiv-target')
  const fs = el('fieldset', { class: 'cdiv-rule' }, el('legend', {}, 'Forwarding rule'))
  const remove = el('button', { type: 'button', class: 'secondary remove' }, 'Remove this rule')
  remove.addEventListener('click', () => {
    fs.remove()
    renumber('cdiv-rules', 'Forwarding rule')
    byId('add-cdiv').focus()
  })
  fs.append(
    el('p', { class: 'hint' }, 'Forward when (none ticked: always):'),
    checkbox('busy', r.busy, 'c-busy'),
    checkbox('not registered', r.notRegistered, 'c-not-registered'),
    checkbox('no answer', r.noAnswer, 'c-no-answer'),
    checkbox('not reachable', r.notReachable, 'c-not-reachable'),
    el('p', { class: 'hint' }, 'Only calls offering (none ticked: any call):'),
    checkbox('audio', r.media.includes('audio'), 'c-audio'),
    checkbox('video', r.media.includes('video'), 'c-video'),
    el(
      'div',
      {},
      el('label', { for: targetId }, 'Forward to'),
      el('input', {
        type: 'text',
        id: targetId,
        class: 'c-target',
        value: r.target,
        placeholder: 'sip:6505550123@example.com or 6505550123',
      })
    ),
    remove
  )
  return fs
}

const BARRING_LABELS: Record<BarringCondition, string> = {
  all: 'all calls',
  international: 'international calls',
  roaming: 'calls while roaming',
  anonymous: 'anonymous callers',
}

function barringRow(kind: 'icb' | 'ocb', r: BarringRuleForm): HTMLFieldSetElement {
  const condId = nextId(`${kind}-cond`)
  const actId = nextId(`${kind}-action`)
  const conditions: BarringCondition[] =
    kind === 'icb'
      ? ['all', 'anonymous', 'roaming', 'international']
      : ['all', 'international', 'roaming']
  const cond = el(
    'select',
    { id: condId, class: 'b-condition' },
    ...conditions.map((c) =>
      el('option', { value: c, selected: c === r.condition }, BARRING_LABELS[c])
    )
  )
  const act = el(
    'select',
    { id: actId, class: 'b-action' },
    el('option', { value: 'allow', selected: r.allow }, 'allow'),
    el('option', { value: 'block', selected: !r.allow }, 'block')
  )
  const title = kind === 'icb' ? 'Incoming rule' : 'Outgoing rule'
  const fs = el('fieldset', { class: `${kind}-rule` }, el('legend', {}, title))
  const remove = el('button', { type: 'button', class: 'secondary remove' }, 'Remove this rule')
  remove.addEventListener('click', () => {
    fs.remove()
    renumber(`${kind}-rules`, title)
    byId(`add-${kind}`).focus()
  })
  fs.append(
    el('div', {}, el('label', { for: condId }, 'For'), cond),
    el('div', {}, el('label', { for: actId }, 'Then'), act),
    remove
  )
  return fs
}

function renumber(containerId: string, title: string): void {
  byId(containerId)
    .querySelectorAll(':scope > fieldset > legend')
    .forEach((l, i) => {
      l.textContent = `${title} ${i + 1}`
    })
}

function fill(f: SimservsForm): void {
  setChecked('oip-active', f.oipActive)
  setChecked('oir-active', f.oirActive)
  byId<HTMLSelectElement>('oir-default').value = f.oirRestricted ? 'hide' : 'show'
  setChecked('cdiv-active', f.cdivActive)
  byId<HTMLInputElement>('no-reply-timer').value = String(f.noReplyTimerS)
  byId('cdiv-rules').replaceChildren(...f.cdivRules.map(cdivRow))
  renumber('cdiv-rules', 'Forwarding rule')
  setChecked('icb-active', f.icbActive)
  byId('icb-rules').replaceChildren(...f.icbRules.map((r) => barringRow('icb', r)))
  renumber('icb-rules', 'Incoming rule')
  setChecked('ocb-active', f.ocbActive)
  byId('ocb-rules').replaceChildren(...f.ocbRules.map((r) => barringRow('ocb', r)))
  renumber('ocb-rules', 'Outgoing rule')
}

function collect(domain: string): SimservsForm {
  const q = (root: Element, sel: string) => root.querySelector(sel) as HTMLInputElement
  const cdivRules = [...byId('cdiv-rules').querySelectorAll('fieldset.cdiv-rule')].map((fs) => ({
    busy: q(fs, '.c-busy').checked,
    notRegistered: q(fs, '.c-not-registered').checked,
    noAnswer: q(fs, '.c-no-answer').checked,
    notReachable: q(fs, '.c-not-reachable').checked,
    media: [q(fs, '.c-audio').checked && 'audio', q(fs, '.c-video').checked && 'video'].filter(
      (m): m is string => !!m
    ),
    target: normaliseTarget(q(fs, '.c-target').value, domain),
  }))
  const barring = (kind: 'icb' | 'ocb') =>
    [...byId(`${kind}-rules`).querySelectorAll(`fieldset.${kind}-rule`)].map((fs) => ({
      condition: (fs.querySelector('.b-condition') as HTMLSelectElement).value as BarringCondition,
      allow: (fs.querySelector('.b-action') as HTMLSelectElement).value === 'allow',
    }))
  return {
    oipActive: checked('oip-active'),
    oirActive: checked('oir-active'),
    oirRestricted: byId<HTMLSelectElement>('oir-default').value === 'hide',
    cdivActive: checked('cdiv-active'),
    noReplyTimerS: Number(byId<HTMLInputElement>('no-reply-timer').value),
    cdivRules,
    icbActive: checked('icb-active'),
    icbRules: barring('icb'),
    ocbActive: checked('ocb-active'),
    ocbRules: barring('ocb'),
  }
}

export async function settingsPage(): Promise<void> {
  const me = await requireUser()
  const line = param('line')
  if (!line) return status('Choose a line on the Lines page first.', 'error')
  const domain = line.split('@')[1] ?? location.hostname
  byId('title').textContent = `Call settings for ${line}`
  const path = `${linePath(me.username, line)}/simservs`

  const load = async () => {
    const xml = await (await api('GET', path)).text()
    const r = readSimservs(xml)
    if (!r.ok) throw new Error(`The stored settings cannot be shown: ${r.reason}`)
    fill(r.form)
    const warn = byId('unsupported')
    warn.hidden = r.unsupported.length === 0
    warn.textContent = r.unsupported.length
      ? `Saving will replace settings this page cannot show: ${r.unsupported.join('; ')}.`
      : ''
  }

  byId('add-cdiv').addEventListener('click', () => {
    const row = cdivRow({
      busy: false,
      notRegistered: false,
      noAnswer: true,
      notReachable: false,
      media: [],
      target: '',
    })
    byId('cdiv-rules').append(row)
    renumber('cdiv-rules', 'Forwarding rule')
    ;(row.querySelector('.c-target') as HTMLInputElement).focus()
  })
  for (const kind of ['icb', 'ocb'] as const)
    byId(`add-${kind}`).addEventListener('click', () => {
      const row = barringRow(kind, { condition: 'all', allow: false })
      byId(`${kind}-rules`).append(row)
      renumber(`${kind}-rules`, kind === 'icb' ? 'Incoming rule' : 'Outgoing rule')
      ;(row.querySelector('select') as HTMLSelectElement).focus()
    })

  byId<HTMLFormElement>('settings-form').addEventListener('submit', (ev) => {
    ev.preventDefault()
    const form = collect(domain)
    const problems = validateForm(form)
    if (problems.length) return status(problems.join(' '), 'error')
    void busy(byId<HTMLButtonElement>('save'), async () => {
      try {
        status('Saving…')
        await api('PUT', path, {
          body: formToXml(form),
          headers: { 'content-type': 'application/simservs+xml' },
        })
        await load()
        status('Settings saved.', 'ok')
      } catch (err) {
        status(err instanceof Error ? err.message : 'The settings were not saved.', 'error')
      }
    })
  })

  try {
    status('Loading settings…')
    await load()
    byId('settings-form').hidden = false
    status('')
  } catch (err) {
    status(err instanceof Error ? err.message : 'The settings could not be loaded.', 'error')
  }
}
