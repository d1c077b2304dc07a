/**
 * Memento and call forwarding (live test 85, clearwater-interfaces §8): the terminating user a
 * call was diverted away from keeps it as unanswered whatever the diverted-to party does, and the
 * notes of the diversion's generation win over the transaction's first ones.
 */
import { describe, expect, it } from 'vitest'
import { mergeFragments } from '../../../shared/ims/call-list'
import { createLogger } from '../../../shared/log/logger'
import { parseMessage, type SipRequest } from '../../../shared/sip'
import { TableCallListStore } from '../../../shared/vellum/call-list-store'
import { MemoryGlobalTable } from '../../../shared/vellum/memory-table'
import type { RoutingDeps } from '../routing/routing-deps'
import { latestMemento, type MementoCall, markDiverted } from './memento-call'
import { noteMementoSide, recordOutcome } from './memento-service'

const A = 'sip:6505550001@example.com'
const B = 'sip:6505550002@example.com'
const C = 'sip:6505550003@example.com'

const invite = parseMessage(
  [
    `INVITE ${B} SIP/2.0`,
    'Via: SIP/2.0/WSS client.invalid;branch=z9hG4bK1',
    'Max-Forwards: 70',
    `From: "Alice A" <${A}>;tag=f1`,
    `To: <${B}>`,
    'Call-ID: fwd-1@test',
    'CSeq: 1 INVITE',
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n')
) as SipRequest

function deps() {
  const t = Date.UTC(2026, 11, 7, 9)
  const table = new MemoryGlobalTable({ now: () => t })
  const work: Array<Promise<unknown>> = []
  const d = {
    homeDomain: 'example.com',
    clock: { now: () => t },
    log: createLogger({ component: 'memento-test' }, { level: 'error' }),
    vellum: { table },
    config: { MEMENTO_TTL_S: 604_800, MEMENTO_MAX_PARTY_CHARS: 256 },
    defer: (task: () => Promise<unknown>) => {
      work.push(task())
    },
  } as unknown as RoutingDeps
  const list = async (impu: string) => {
    await Promise.all(work.splice(0))
    const page = await new TableCallListStore(table).read(impu, { maxFragments: 100 })
    return mergeFragments(page.fragments)
  }
  return { d, list }
}

describe('Memento for a diverted call (test 85)', () => {
  it('records the diverted user unanswered and the caller and the target answered', async () => {
    const { d, list } = deps()
    const holder: { memento?: MementoCall } = {}
    noteMementoSide(holder, invite, A, true, 1)
    noteMementoSide(holder, invite, B, false, 1)
    markDiverted(holder.memento, B)
    const forwarded = invite.clone()
    forwarded.setUri(C)
    noteMementoSide(holder, forwarded, C, false, 2)
    recordOutcome(d, invite, holder.memento!, 200)
    expect((await list(A))[0]).toMatchObject({ answered: true, outgoing: true })
    const [b] = await list(B)
    expect(b).toMatchObject({ answered: false, outgoing: false })
    expect(b!.answerMs).toBeUndefined()
    expect((await list(C))[0]).toMatchObject({ answered: true, outgoing: false })
  })

  it('marks only the terminating side of the diverted user', () => {
    const holder: { memento?: MementoCall } = {}
    noteMementoSide(holder, invite, B, true, 1)
    noteMementoSide(holder, invite, B, false, 1)
    markDiverted(holder.memento, B)
    expect(holder.memento!.sides.map((s) => [s.outgoing, s.diverted ?? false])).toEqual([
      [true, false],
      [false, true],
    ])
    markDiverted(undefined, B)
  })

  it('takes the latest generation’s notes, else the transaction’s own', () => {
    const own: MementoCall = { startMs: 1, sides: [] }
    const later: MementoCall = { startMs: 1, sides: [{ user: C } as never] }
    expect(latestMemento([{}, { memento: later }, {}], own)).toBe(later)
    expect(latestMemento([{}, undefined], own)).toBe(own)
    expect(latestMemento([], undefined)).toBeUndefined()
  })
})
