import { describe, expect, it } from 'vitest'
import { parseSimservs } from '../../../shared/ims/simservs'
import { DEFAULT_SIMSERVS_XML } from '../../../shared/ims/simservs-default'
import {
  formToXml,
  normaliseTarget,
  readSimservs,
  type SimservsForm,
  validateForm,
} from './simservs-form'

describe('portal simservs form', () => {
  it('reads the default document Ellis writes', () => {
    const r = readSimservs(DEFAULT_SIMSERVS_XML)
    expect(r.ok).toBe(true)
    if (!r.ok) return
    expect(r.unsupported).toEqual([])
    expect(r.form).toEqual({
      oipActive: true,
      oirActive: true,
      oirRestricted: false,
      cdivActive: true,
      noReplyTimerS: 30,
      cdivRules: [],
      icbActive: true,
      icbRules: [{ condition: 'all', allow: true }],
      ocbActive: true,
      ocbRules: [{ condition: 'all', allow: true }],
    })
  })

  it('writes documents Homer accepts and reads them back unchanged', () => {
    const form: SimservsForm = {
      oipActive: false,
      oirActive: true,
      oirRestricted: true,
      cdivActive: true,
      noReplyTimerS: 15,
      cdivRules: [
        {
          busy: true,
          notRegistered: false,
          noAnswer: false,
          notReachable: false,
          media: [],
          target: 'sip:6505550123@example.com',
        },
        {
          busy: false,
          notRegistered: true,
          noAnswer: true,
          notReachable: true,
          media: ['audio', 'video'],
          target: 'tel:+16505550199',
        },
        {
          busy: false,
          notRegistered: false,
          noAnswer: false,
          notReachable: false,
          media: [],
          target: 'sip:a&b@example.com',
        },
      ],
      icbActive: true,
      icbRules: [
        { condition: 'anonymous', allow: false },
        { condition: 'all', allow: true },
      ],
      ocbActive: true,
      ocbRules: [
        { condition: 'international', allow: false },
        { condition: 'roaming', allow: false },
      ],
    }
    const xml = formToXml(form)
    const parsed = parseSimservs(xml)
    expect(parsed.ok).toBe(true)
    const back = readSimservs(xml)
    expect(back.ok && back.form).toEqual(form)
    if (parsed.ok) {
      expect(parsed.value.cdiv?.rules[2]?.conditions.unconditional).toBe(true)
      expect(parsed.value.ocb?.rules[0]?.allow).toBe(false)
    }
  })

  it('names the field of each problem and flags what it cannot show', () => {
    const bad: SimservsForm = {
      oipActive: true,
      oirActive: true,
      oirRestricted: false,
      cdivActive: true,
      noReplyTimerS: 3,
      cdivRules: [
        {
          busy: true,
          notRegistered: false,
          noAnswer: false,
          notReachable: false,
          media: [],
          target: '12 34',
        },
      ],
      icbActive: false,
      icbRules: [],
      ocbActive: false,
      ocbRules: [],
    }
    const errors = validateForm(bad)
    expect(errors[0]).toMatch(/^No-reply timer/)
    expect(errors[1]).toMatch(/^Forwarding rule 1/)
    const shadowed = {
      ...bad,
      noReplyTimerS: 20,
      cdivRules: [],
      ocbRules: [
        { condition: 'all' as const, allow: true },
        { condition: 'international' as const, allow: false },
      ],
    }
    expect(validateForm(shadowed)).toEqual([
      'Outgoing barring: rule 2 blocks calls, but rule 1 allows all calls, so nothing would be blocked. Remove rule 1 or change it to block.',
    ])
    expect(validateForm({ ...shadowed, ocbRules: shadowed.ocbRules.slice(1) })).toEqual([])
    expect(normaliseTarget('+16505550123', 'example.com')).toBe('sip:16505550123@example.com')
    const withIdentity = DEFAULT_SIMSERVS_XML.replace(
      '<cp:conditions/>',
      '<cp:conditions><cp:identity><cp:one id="sip:x@example.com"/></cp:identity></cp:conditions>'
    )
    const r = readSimservs(withIdentity)
    expect(r.ok && r.unsupported).toEqual([
      'incoming barring rule 1: conditions the form cannot show',
    ])
    expect(readSimservs('<nope/>').ok).toBe(false)
  })
})
