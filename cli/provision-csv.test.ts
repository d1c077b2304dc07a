import { describe, expect, it } from 'vitest'
import { parseSubscriberCsv } from './provision-csv'

describe('Clearwater bulk-provisioning CSV', () => {
  it('reads rows, skipping a header, comments and blank lines, adding sip: where missing', () => {
    const r = parseSubscriberCsv(
      'public_id,private_id,realm,password\n# test\n\nsip:1@ex.com,1@ex.com,ex.com,pw1\r\n2@ex.com,2@ex.com,ex.com,pw2\n'
    )
    expect(r).toEqual({
      ok: true,
      rows: [
        { line: 4, impu: 'sip:1@ex.com', impi: '1@ex.com', realm: 'ex.com', password: 'pw1' },
        { line: 5, impu: 'sip:2@ex.com', impi: '2@ex.com', realm: 'ex.com', password: 'pw2' },
      ],
    })
  })

  it('refuses the whole file at the first bad line, naming it', () => {
    expect(parseSubscriberCsv('sip:1@ex.com,1@ex.com,ex.com\n')).toEqual({
      ok: false,
      error: 'line 1 has 3 fields; expected public id, private id, realm, password',
    })
    expect(parseSubscriberCsv('sip:1@ex.com,1@ex.com,,pw\n')).toEqual({
      ok: false,
      error: 'line 1: realm is empty',
    })
    expect(
      parseSubscriberCsv('sip:1@ex.com,1@ex.com,ex.com,a\nsip:1@ex.com,x@ex.com,ex.com,b\n')
    ).toEqual({ ok: false, error: 'line 2 repeats public id sip:1@ex.com of line 1' })
  })
})
