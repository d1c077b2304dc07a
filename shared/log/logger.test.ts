import { describe, expect, it } from 'vitest'
import { createLogger, isoTimestamp, type LogLevel } from './logger'
import { logTransaction, PendingTransactions, TRANSACTION_MSG } from './transaction-log'

function capture(level: LogLevel = 'info') {
  const lines: Record<string, unknown>[] = []
  const log = createLogger(
    { component: 'sprout', region: 'a' },
    { level, sink: (l) => lines.push(JSON.parse(l)), now: () => 0 }
  )
  return { log, lines }
}

describe('logger', () => {
  it('writes an error field as its message with its stack beside it', () => {
    const { log, lines } = capture()
    log.error('failed', { error: new Error('boom') })
    expect(lines[0]).toMatchObject({ msg: 'failed', error: 'boom', component: 'sprout' })
    expect(String(lines[0]?.errorStack)).toMatch(/^Error: boom\n\s+at /)
  })

  it('writes the line an object spread of time, level, message, own and caller fields gives', () => {
    const raw: string[] = []
    const log = createLogger(
      { component: 'edge', region: 'a', gone: undefined },
      { sink: (l) => raw.push(l), now: () => 1_733_000_000_123 }
    )
    const fields = {
      callId: 'a"b\\c\u2028',
      cseq: 7,
      nothing: undefined,
      nil: null,
      nested: { list: [1, 'x', { deep: true }], when: new Date(0) },
      'odd key"': 1.5,
    }
    log.info('sip "transaction"', fields)
    const spread = {
      t: new Date(1_733_000_000_123).toISOString(),
      level: 'info',
      msg: 'sip "transaction"',
      component: 'edge',
      region: 'a',
      gone: undefined,
      ...fields,
    }
    expect(raw).toEqual([JSON.stringify(spread)])
  })

  it('lets a caller’s field replace one of the logger’s own in its place', () => {
    const raw: string[] = []
    const log = createLogger(
      { component: 'edge', region: 'a' },
      { sink: (l) => raw.push(l), now: () => 0 }
    )
    log.warn('refused', { status: 503, region: 'b' })
    expect(raw).toEqual([
      '{"t":"1970-01-01T00:00:00.000Z","level":"warn","msg":"refused","component":"edge","region":"b","status":503}',
    ])
    log.child({ flow: 'f1' }).error('late', { msg: 'other' })
    expect(JSON.parse(raw[1] ?? '')).toEqual({
      t: '1970-01-01T00:00:00.000Z',
      level: 'error',
      msg: 'other',
      component: 'edge',
      region: 'a',
      flow: 'f1',
    })
  })

  it('formats timestamps as Date#toISOString does, across seconds and outside four-digit years', () => {
    const times = [
      0, 1, 999, 1_000, 1_001, 59_999, 60_000, 1_733_000_000_000, 1_733_000_000_009,
      1_733_000_000_099, 1_733_000_000_999, 1_733_000_001_000, -1, -999, -1_000, -1_001,
      951_782_400_000, 253_402_300_799_999, 253_402_300_800_000, -62_167_219_200_001,
      1_733_000_000_000.7, -0.5, -1_000.5,
    ]
    for (const ms of [...times, ...times.slice().reverse()])
      expect(isoTimestamp(ms)).toBe(new Date(ms).toISOString())
  })

  it('drops lines below the component’s level', () => {
    const { log, lines } = capture('warn')
    log.info('quiet')
    log.warn('loud')
    expect(lines.map((l) => l.msg)).toEqual(['loud'])
  })
})

describe('transaction log', () => {
  it('writes one line with Call-ID, CSeq, method, status, flow and duration', () => {
    const { log, lines } = capture()
    const pending = new PendingTransactions()
    pending.arrived('c1', 1, 'INVITE', 1_000)
    logTransaction(log, {
      callId: 'c1',
      cseq: 1,
      method: 'INVITE',
      status: 200,
      flow: 'tok',
      ms: pending.finished('c1', 1, 'INVITE', 1_250),
    })
    expect(lines).toEqual([
      {
        t: new Date(0).toISOString(),
        level: 'info',
        msg: TRANSACTION_MSG,
        component: 'sprout',
        region: 'a',
        callId: 'c1',
        cseq: 1,
        method: 'INVITE',
        status: 200,
        flow: 'tok',
        ms: 250,
      },
    ])
    expect(pending.finished('c1', 1, 'INVITE', 2_000)).toBeUndefined()
  })

  it('remembers at most its capacity of pending requests, oldest out first', () => {
    const pending = new PendingTransactions(2)
    pending.arrived('a', 1, 'INVITE', 0)
    pending.arrived('b', 1, 'INVITE', 0)
    pending.arrived('c', 1, 'INVITE', 0)
    expect(pending.size).toBe(2)
    expect(pending.finished('a', 1, 'INVITE', 5)).toBeUndefined()
    expect(pending.finished('c', 1, 'INVITE', 5)).toBe(5)
  })
})
