import { describe, expect, it } from 'vitest'
import { createLogger } from '../../shared/log/logger'
import { lineSplitter, printedLine } from './log-lines'

/** What the local cloud printed for a line by parsing it whole (the reference). */
function parsedLine(line: string): { tag: string; text: string } {
  try {
    const rec = JSON.parse(line) as Record<string, unknown>
    if (typeof rec.component === 'string') {
      const { component, region, msg, t: _t, level, ...rest } = rec
      const tag = region ? `${component}-${region}` : component
      const extra = Object.keys(rest).length ? ` ${JSON.stringify(rest)}` : ''
      return {
        tag,
        text: `${level === 'info' ? '' : `${String(level).toUpperCase()} `}${String(msg)}${extra}`,
      }
    }
  } catch {
    // not one of ours
  }
  return { tag: 'workerd', text: line }
}

function loggerLines(): string[] {
  const lines: string[] = []
  const sink = (l: string) => lines.push(l)
  const sprout = createLogger({ component: 'sprout', region: 'a' }, { sink, now: () => 1_000 })
  const edge = createLogger({ component: 'edge' }, { sink, now: () => 1_000, level: 'debug' })
  sprout.info('sip transaction', {
    callId: 'c1@h',
    cseq: 3,
    method: 'REGISTER',
    status: 200,
    flow: 'abc',
    ms: 4,
  })
  sprout.warn('stale digest', { nested: { a: [1, { b: '}' }] }, note: 'x}' })
  sprout.error('unhandled error', { error: new Error('boom') })
  edge.info('flow opened', { flow: 'f', home: 'a' })
  edge.debug('no fields')
  edge.info('trace records refused', { status: 503, region: 'b' })
  edge.info('quote "in" message', { t: 'a field named t' })
  sprout.info('bare')
  sprout.info('a value naming "msg":', { v: '"msg": 1' })
  return lines
}

describe('the local cloud’s printing of workerd lines', () => {
  it('prints every logger line as parsing it whole would', () => {
    const lines = loggerLines()
    expect(lines.length).toBeGreaterThan(8)
    for (const l of lines) expect(printedLine(l)).toEqual(parsedLine(l))
    expect(printedLine(lines[0] ?? '')).toEqual({
      tag: 'sprout-a',
      text: 'sip transaction {"callId":"c1@h","cseq":3,"method":"REGISTER","status":200,"flow":"abc","ms":4}',
    })
    expect(printedLine(lines[5] ?? '').tag).toBe('edge-b')
  })

  it('prints other lines as they are under workerd', () => {
    for (const l of ['plain text', '{"not":"ours"}', '{broken', '42', '{"component":7}'])
      expect(printedLine(l)).toEqual({ tag: 'workerd', text: l })
  })

  it('cuts chunks into lines, keeping a partial line and a cut UTF-8 character for later', () => {
    const got: string[] = []
    const s = lineSplitter((l) => got.push(l))
    const bytes = Buffer.from('one\r\ntwo\n\n  \nthré', 'utf8')
    // Cut inside the two bytes of "é".
    s.push(bytes.subarray(0, bytes.length - 1))
    expect(got).toEqual(['one', 'two'])
    s.push(bytes.subarray(bytes.length - 1))
    s.push('e\nfour')
    expect(got).toEqual(['one', 'two', 'thrée'])
    s.end()
    expect(got).toEqual(['one', 'two', 'thrée', 'four'])
  })
})
