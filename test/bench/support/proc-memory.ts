/**
 * @module proc-memory
 * Resident memory (RSS) per process of a system under test, read from `/proc/<pid>/status`
 * (`VmRSS`), for a root PID and every descendant, grouped by the same labels as CPU
 * (support/proc-cpu: workerd, DynamoDB Local's java, the local cloud's node, each redis-server).
 */
import { readFileSync } from 'node:fs'
import { type Labeller, processTree } from './proc-cpu'

/** RSS of one process in KiB, or undefined when it is gone. */
export function rssKib(pid: number): number | undefined {
  try {
    const m = /^VmRSS:\s+(\d+)\s+kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
    return m ? Number(m[1]) : undefined
  } catch {
    return undefined
  }
}

/** RSS in MiB per label over the processes of the trees rooted at `roots`. */
export function rssByLabel(roots: readonly number[], label: Labeller): Map<string, number> {
  const out = new Map<string, number>()
  for (const root of roots)
    for (const p of processTree(root)) {
      const kib = rssKib(p.pid)
      if (kib === undefined) continue
      const l = label(p)
      out.set(l, (out.get(l) ?? 0) + kib / 1024)
    }
  return out
}
