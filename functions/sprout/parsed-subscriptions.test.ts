import { describe, expect, it } from 'vitest'
import { pAssociatedUris } from '../../shared/ims/ims-subscription'
import { isolateParsedSubscriptions, ParsedSubscriptions } from './parsed-subscriptions'

const doc = (n: number) =>
  '<?xml version="1.0" encoding="UTF-8"?><IMSSubscription><PrivateID>' +
  `${n}@example.com</PrivateID><ServiceProfile><PublicIdentity><Identity>sip:${n}@example.com` +
  '</Identity></PublicIdentity></ServiceProfile></IMSSubscription>'

describe('parsed IMS subscriptions', () => {
  it('parses a document once and answers the same text from the map', () => {
    const p = new ParsedSubscriptions(4)
    const first = p.parse(doc(1))
    expect(first.ok).toBe(true)
    if (!first.ok) return
    expect(pAssociatedUris(first.value)).toEqual(['sip:1@example.com'])
    expect(p.parse(doc(1))).toBe(first)
    expect(p.size).toBe(1)
  })

  it('parses a changed document afresh', () => {
    const p = new ParsedSubscriptions(4)
    const a = p.parse(doc(1))
    const b = p.parse(doc(2))
    expect(b).not.toBe(a)
    expect(b.ok && pAssociatedUris(b.value)).toEqual(['sip:2@example.com'])
  })

  it('keeps at most its limit, the least recently used leaving first', () => {
    const p = new ParsedSubscriptions(2)
    const one = p.parse(doc(1))
    p.parse(doc(2))
    expect(p.parse(doc(1))).toBe(one) // 1 is now the most recently used
    p.parse(doc(3)) // 2 leaves
    expect(p.size).toBe(2)
    expect(p.parse(doc(1))).toBe(one)
    const two = p.parse(doc(2))
    expect(two.ok).toBe(true)
    expect(p.size).toBe(2)
  })

  it('keeps nothing with a limit of 0, and never keeps a failure', () => {
    const off = new ParsedSubscriptions(0)
    expect(off.parse(doc(1))).not.toBe(off.parse(doc(1)))
    expect(off.size).toBe(0)
    const p = new ParsedSubscriptions(4)
    const bad = p.parse('<IMSSubscription><ServiceProfile>')
    expect(bad.ok).toBe(false)
    expect(p.size).toBe(0)
  })

  it('one map per isolate, rebuilt only when the limit changes', () => {
    const a = isolateParsedSubscriptions(8)
    expect(isolateParsedSubscriptions(8)).toBe(a)
    expect(isolateParsedSubscriptions(16)).not.toBe(a)
  })
})
