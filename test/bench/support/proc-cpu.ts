/**
 * @module proc-cpu
 * CPU time per process read from `/proc/<pid>/stat` (utime + stime, in clock ticks of 10 ms on
 * Linux), for the processes of a system under test: a root PID and every descendant, grouped by
 * a label (workerd, DynamoDB Local's java, the local cloud's node, each redis-server, kamailio).
 */
import { readdirSync, readFileSync } from 'node:fs'

/** Linux USER_HZ; 100 on every mainstream kernel. */
const TICKS_PER_SECOND = 100

interface ProcStat {
  pid: number
  ppid: number
  comm: string
  cpuMs: number
}

function readStat(pid: number): ProcStat | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const close = text.lastIndexOf(')')
    const comm = text.slice(text.indexOf('(') + 1, close)
    const f = text.slice(close + 2).split(' ')
    // Fields after the command: state(0) ppid(1) … utime(11) stime(12).
    const ticks = Number(f[11]) + Number(f[12])
    return { pid, ppid: Number(f[1]), comm, cpuMs: (ticks * 1000) / TICKS_PER_SECOND }
  } catch {
    return undefined
  }
}

/** Every process of the machine (that is still there when read). */
function allProcesses(): ProcStat[] {
  const out: ProcStat[] = []
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue
    const s = readStat(Number(d))
    if (s) out.push(s)
  }
  return out
}

/** `root` and all its descendants. */
export function processTree(root: number): ProcStat[] {
  const all = allProcesses()
  const kids = new Map<number, ProcStat[]>()
  for (const p of all) kids.set(p.ppid, [...(kids.get(p.ppid) ?? []), p])
  const out: ProcStat[] = []
  const self = all.find((p) => p.pid === root)
  if (!self) return out
  const queue = [self]
  while (queue.length) {
    const p = queue.shift()!
    out.push(p)
    queue.push(...(kids.get(p.pid) ?? []))
  }
  return out
}

/** A label per process: its command name, numbered when several share one (redis-server #2). */
export type Labeller = (p: { pid: number; comm: string }) => string

/** CPU milliseconds per label over the processes of the trees rooted at `roots`. */
export function cpuByLabel(roots: readonly number[], label: Labeller): Map<string, number> {
  const out = new Map<string, number>()
  for (const root of roots)
    for (const p of processTree(root)) {
      const l = label(p)
      out.set(l, (out.get(l) ?? 0) + p.cpuMs)
    }
  return out
}

/** A CPU meter over a phase: `start()` then `stop()` gives CPU ms per label spent between. */
export class CpuMeter {
  private before = new Map<string, number>()
  constructor(
    private readonly roots: () => readonly number[],
    private readonly label: Labeller
  ) {}
  start(): void {
    this.before = cpuByLabel(this.roots(), this.label)
  }
  stop(): Map<string, number> {
    const after = cpuByLabel(this.roots(), this.label)
    const out = new Map<string, number>()
    for (const [k, v] of after) out.set(k, v - (this.before.get(k) ?? 0))
    return out
  }
}

/** Labels a local cloud's processes: node (the cloud's own), workerd, java (DynamoDB Local), redis-server per port order. */
export function cloudLabeller(): Labeller {
  const redis = new Map<number, number>()
  return ({ pid, comm }) => {
    if (comm === 'redis-server') {
      if (!redis.has(pid)) redis.set(pid, redis.size + 1)
      return `redis-server #${redis.get(pid)}`
    }
    if (comm === 'java') return 'DynamoDB Local (java)'
    if (comm.startsWith('workerd')) return 'workerd'
    if (comm === 'node' || comm.startsWith('node')) return 'node (local cloud)'
    if (comm === 'kamailio') return 'kamailio'
    return comm
  }
}
