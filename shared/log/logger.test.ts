import { describe, expect, it } from 'vitest'
import { createLogger, type LogLevel } from './logger'
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
