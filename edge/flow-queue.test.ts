/**
 * A flow's ordered lane (flow-queue.ts): tasks run one at a time in the order offered, whatever
 * each one waits on; a full lane refuses; a failed task does not stop the lane; an empty lane
 * holds nothing.
 */
import { describe, expect, it } from 'vitest'
import { FlowLane } from './flow-queue'

const later = <T>(value: T, ticks: number): Promise<T> => {
  let p = Promise.resolve()
  for (let i = 0; i < ticks; i++) p = p.then(() => undefined)
  return p.then(() => value)
}

describe('a flow lane', () => {
  it('runs tasks one at a time in the order they were offered', async () => {
    const lane = new FlowLane(10)
    const log: string[] = []
    const task = (name: string, ticks: number) => async () => {
      log.push(`start ${name}`)
      await later(null, ticks)
      log.push(`end ${name}`)
      return name
    }
    // The first waits longest: without the lane it would finish last.
    const out = await Promise.all([
      lane.offer(task('a', 20)),
      lane.offer(task('b', 5)),
      lane.offer(task('c', 0)),
    ])
    expect(out).toEqual(['a', 'b', 'c'])
    expect(log).toEqual(['start a', 'end a', 'start b', 'end b', 'start c', 'end c'])
  })

  it('refuses a task when full and takes tasks again once drained', async () => {
    const lane = new FlowLane(2)
    let release!: () => void
    const gate = new Promise<void>((r) => {
      release = r
    })
    const first = lane.offer(() => gate)
    const second = lane.offer(async () => 'second')
    expect(lane.depth).toBe(2)
    expect(lane.offer(async () => 'third')).toBeUndefined()
    release()
    await first
    expect(await second).toBe('second')
    await later(null, 3)
    expect(lane.depth).toBe(0)
    expect(await lane.offer(async () => 'again')).toBe('again')
  })

  it('goes on after a task that fails', async () => {
    const lane = new FlowLane(4)
    const failed = lane.offer(async () => {
      throw new Error('boom')
    })
    const next = lane.offer(async () => 'next')
    await expect(failed).rejects.toThrow('boom')
    expect(await next).toBe('next')
  })
})
