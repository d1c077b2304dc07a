import { XMLParser } from 'fast-xml-parser'
import { describe, expect, it } from 'vitest'
import {
  ANONYMOUS_PARTY,
  boundedParty,
  type CallFragment,
  callListXml,
  isoTime,
  mergeFragments,
} from './call-list'

const ALICE = { uri: 'sip:6505550001@example.com', name: 'Alice' }
const BOB = { uri: 'sip:6505550002@example.com', name: '' }
const T0 = Date.UTC(2026, 11, 7, 10, 0, 0, 250)

const begin = (callId: string, startMs: number, answerMs: number): CallFragment => ({
  kind: 'BEGIN',
  callId,
  startMs,
  outgoing: true,
  from: ALICE,
  to: BOB,
  answerMs,
})

describe('call-list fragments merge into calls (Memento)', () => {
  it('a BEGIN and its END make one answered call with all three times', () => {
    const calls = mergeFragments([
      { kind: 'END', callId: 'c1', startMs: T0, endMs: T0 + 60_000 },
      begin('c1', T0, T0 + 5_000),
    ])
    expect(calls).toEqual([
      {
        callId: 'c1',
        from: ALICE,
        to: BOB,
        outgoing: true,
        answered: true,
        startMs: T0,
        answerMs: T0 + 5_000,
        endMs: T0 + 60_000,
      },
    ])
  })

  it('a REJECTED fragment is an unanswered call with no answer or end time', () => {
    const [call] = mergeFragments([
      { kind: 'REJECTED', callId: 'c2', startMs: T0, outgoing: false, from: ALICE, to: BOB },
      { kind: 'END', callId: 'c2', startMs: T0, endMs: T0 + 1 },
    ])
    expect(call).toEqual({
      callId: 'c2',
      from: ALICE,
      to: BOB,
      outgoing: false,
      answered: false,
      startMs: T0,
    })
  })

  it('an END whose BEGIN is gone is not a call; an answer beats a rejection of the same call', () => {
    const calls = mergeFragments([
      { kind: 'END', callId: 'orphan', startMs: T0, endMs: T0 + 9 },
      { kind: 'REJECTED', callId: 'c3', startMs: T0, outgoing: true, from: ALICE, to: BOB },
      begin('c3', T0, T0 + 2),
    ])
    expect(calls.map((c) => [c.callId, c.answered])).toEqual([['c3', true]])
  })

  it('lists the newest call first and keeps only maxCalls of them', () => {
    const frags = [
      begin('old', T0, T0 + 1),
      begin('new', T0 + 10_000, T0 + 10_001),
      begin('mid', T0 + 5_000, T0 + 5_001),
    ]
    expect(mergeFragments(frags).map((c) => c.callId)).toEqual(['new', 'mid', 'old'])
    expect(mergeFragments(frags, 2).map((c) => c.callId)).toEqual(['new', 'mid'])
  })
})

describe('call-list.xml (clearwater-interfaces §8)', () => {
  it('an empty list is <call-list><calls></calls></call-list>', () => {
    expect(callListXml([])).toBe(
      '<?xml version="1.0" encoding="UTF-8"?><call-list><calls></calls></call-list>'
    )
  })

  it('each call has to, from, answered, outgoing, start-time, answer-time and end-time in order', () => {
    const xml = callListXml(
      mergeFragments([
        begin('c1', T0, T0 + 5_000),
        { kind: 'END', callId: 'c1', startMs: T0, endMs: T0 + 65_000 },
        {
          kind: 'REJECTED',
          callId: 'c0',
          startMs: T0 - 1000,
          outgoing: false,
          from: ANONYMOUS_PARTY,
          to: { uri: 'sip:a&b@example.com', name: 'R <&> D' },
        },
      ])
    )
    expect(xml).toContain(
      '<call><to><URI>sip:6505550002@example.com</URI><name></name></to><from><URI>sip:6505550001@example.com</URI><name>Alice</name></from><answered>1</answered><outgoing>1</outgoing><start-time>2026-12-07T10:00:00.250Z</start-time><answer-time>2026-12-07T10:00:05.250Z</answer-time><end-time>2026-12-07T10:01:05.250Z</end-time></call>'
    )
    const doc = new XMLParser({ parseTagValue: false }).parse(xml)
    const calls = doc['call-list'].calls.call
    expect(calls).toHaveLength(2)
    expect(calls[1]).toEqual({
      to: { URI: 'sip:a&b@example.com', name: 'R <&> D' },
      from: { URI: 'sip:anonymous@anonymous.invalid', name: 'Anonymous' },
      answered: '0',
      outgoing: '0',
      'start-time': '2026-12-07T09:59:59.250Z',
    })
  })

  it('writes times as ISO 8601 UTC with milliseconds, for any date', () => {
    for (const ms of [
      0,
      951_782_400_000,
      1_709_210_096_789,
      T0,
      4_102_444_799_999,
      253_402_300_799_000,
    ])
      expect(isoTime(ms)).toBe(new Date(ms).toISOString())
  })
})

describe('what a caller writes into the list', () => {
  const NOT_XML_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u

  it('call-list.xml never carries a character XML 1.0 forbids, whatever the stored name holds', () => {
    const from = { uri: 'sip:mallory@example.com', name: 'Mal\u0000lo\u0001ry\u001b\uFFFE\uD800' }
    const xml = callListXml(
      mergeFragments([
        { ...begin('c1', T0, T0 + 1), from },
        { kind: 'END', callId: 'c1', startMs: T0, endMs: T0 + 2 },
      ])
    )
    expect(xml).not.toMatch(NOT_XML_CHAR)
    const doc = new XMLParser({ parseTagValue: false }).parse(xml)
    expect(doc['call-list'].calls.call.from).toEqual({
      URI: 'sip:mallory@example.com',
      name: 'Mallory',
    })
  })

  it('boundedParty cuts name and URI to the limit, keeps text and pairs whole, and drops what XML cannot carry', () => {
    const p = boundedParty(
      { uri: `sip:${'u'.repeat(500)}@example.com`, name: `A\u0001${'é'.repeat(400)}` },
      64
    )
    expect(p.uri).toHaveLength(64)
    expect(p.name).toBe(`A${'é'.repeat(63)}`)
    // An astral character (a surrogate pair) is never cut in half.
    expect(boundedParty({ uri: 'sip:a@b', name: `${'x'.repeat(63)}😀` }, 64).name).toBe(
      'x'.repeat(63)
    )
    expect(boundedParty(ALICE, 64)).toEqual(ALICE)
  })
})
