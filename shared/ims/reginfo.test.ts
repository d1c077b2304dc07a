import { describe, expect, it } from 'vitest'
import { parseReginfoXml } from '../../test/support/ims/reginfo-parse'
import { buildReginfoXml } from './reginfo-build'
import type { Reginfo } from './reginfo-model'

const sample: Reginfo = {
  version: 3,
  state: 'full',
  registrations: [
    {
      aor: 'sip:6505550001@example.com',
      id: 'r1',
      state: 'active',
      contacts: [
        {
          id: 'urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6:1',
          state: 'active',
          event: 'registered',
          uri: 'sip:abc@host.invalid;transport=ws',
          unknownParams: [
            { name: '+sip.instance', value: '"<urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6>"' },
            { name: 'reg-id', value: '1' },
            { name: '+sip.ice', value: '' },
          ],
          expires: 300,
          pubGruu: 'sip:6505550001@example.com;gr=urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6',
        },
      ],
    },
    { aor: 'tel:+16505550001', id: 'r2', state: 'terminated', contacts: [] },
  ],
}

describe('reginfo', () => {
  it('round-trips through build and parse, escaping markup', () => {
    const xml = buildReginfoXml(sample)
    expect(xml).toContain('&quot;&lt;urn:uuid:')
    expect(xml).toContain('<gr:pub-gruu uri="sip:6505550001@example.com;gr=urn:uuid:')
    const back = parseReginfoXml(xml)
    expect(back).toEqual({ ok: true, value: sample })
  })

  it('accepts the Clearwater wire form with foreign prefixes', () => {
    const xml = `<?xml version="1.0"?><r:reginfo xmlns:r="urn:ietf:params:xml:ns:reginfo" xmlns:g="urn:ietf:params:xml:ns:gruuinfo" version="0" state="full"><r:registration aor="sip:a@b" id="x" state="active"><r:contact id="c" state="active" event="refreshed"><r:uri>sip:a@1.2.3.4</r:uri><g:pub-gruu uri="sip:a@b;gr=1"/></r:contact></r:registration></r:reginfo>`
    const r = parseReginfoXml(xml)
    expect(r.ok && r.value.registrations[0]?.contacts[0]?.pubGruu).toBe('sip:a@b;gr=1')
  })

  const bad: Array<[string, string, string]> = [
    ['missing version', buildReginfoXml(sample).replace(' version="3"', ''), 'reginfo@version'],
    [
      'bad event',
      buildReginfoXml(sample).replace('event="registered"', 'event="bogus"'),
      'reginfo.registration[0].contact[0]@event',
    ],
    [
      'bad registration state',
      buildReginfoXml(sample).replace('state="terminated"', 'state="gone"'),
      'reginfo.registration[1]@state',
    ],
    [
      'uri not first',
      buildReginfoXml(sample).replace(/<uri>[^<]*<\/uri>/, ''),
      'reginfo.registration[0].contact[0].uri',
    ],
    [
      'unqualified extension',
      buildReginfoXml(sample).replace('</registration>', '<foo xmlns=""/></registration>'),
      'reginfo.registration[0].foo',
    ],
    [
      'pub-gruu without uri',
      buildReginfoXml(sample).replace(/<gr:pub-gruu uri="[^"]*"\/>/, '<gr:pub-gruu/>'),
      'reginfo.registration[0].contact[0].pub-gruu@uri',
    ],
    [
      'non-numeric expires',
      buildReginfoXml(sample).replace('expires="300"', 'expires="-1"'),
      'reginfo.registration[0].contact[0]@expires',
    ],
    ['wrong root namespace', '<reginfo xmlns="urn:x" version="0" state="full"/>', '(document)'],
  ]
  for (const [name, xml, path] of bad) {
    it(`refuses ${name}, naming ${path}`, () => {
      const r = parseReginfoXml(xml)
      expect(r.ok).toBe(false)
      if (!r.ok) expect(r.error.path).toBe(path)
    })
  }
})
