/**
 * @module workerd-maps
 * workerd's resident memory split by where it lives, from `/proc/<pid>/smaps`:
 *
 * - `malloc`: workerd's native heap. workerd allocates with TCMalloc, which reserves 1 GiB-aligned
 *   regions of address space and fills each from its top down, so these are the anonymous
 *   read-write mappings that end on a 1 GiB boundary (4 MiB or more).
 * - `otherAnon`: every other anonymous mapping, chiefly V8's heaps (the pages of its
 *   pointer-compression cage) and thread stacks.
 * - `file`: mapped files (the binary, SQLite's shared-memory files of open Durable Objects).
 *
 * A run that shows `malloc` growing while the JavaScript heaps do not points at native memory
 * that workerd keeps; TCMalloc in workerd has no background release thread, so pages it has
 * freed stay resident and `malloc` is the high-water mark of the native heap.
 */
import { readFileSync } from 'node:fs'

export interface WorkerdMemory {
  /** MiB, all resident pages. */
  rss: number
  malloc: number
  otherAnon: number
  file: number
}

const GIB = 2 ** 30
const MIN_REGION = 4 * 2 ** 20

/** The split of one process's smaps text. */
export function splitSmaps(text: string): WorkerdMemory {
  let malloc = 0
  let anon = 0
  let total = 0
  let current: { anon: boolean; region: boolean } | undefined
  for (const line of text.split('\n')) {
    const head = /^([0-9a-f]+)-([0-9a-f]+) (\S+) \S+ \S+ \S+\s*(.*)$/.exec(line)
    if (head) {
      const start = Number.parseInt(head[1]!, 16)
      const end = Number.parseInt(head[2]!, 16)
      const isAnon = (head[4] ?? '') === ''
      current = {
        anon: isAnon,
        region: isAnon && head[3] === 'rw-p' && end % GIB === 0 && end - start >= MIN_REGION,
      }
      continue
    }
    const rss = /^Rss:\s+(\d+) kB/.exec(line)
    if (rss && current) {
      const kib = Number(rss[1])
      total += kib
      if (current.anon) anon += kib
      if (current.region) malloc += kib
    }
  }
  const mib = (kib: number) => kib / 1024
  return {
    rss: mib(total),
    malloc: mib(malloc),
    otherAnon: mib(anon - malloc),
    file: mib(total - anon),
  }
}

/** The split for one process, or undefined when it is gone. */
export function workerdMemory(pid: number): WorkerdMemory | undefined {
  try {
    return splitSmaps(readFileSync(`/proc/${pid}/smaps`, 'utf8'))
  } catch {
    return undefined
  }
}

/** The split summed over several processes (miniflare may run more than one workerd). */
export function sumMemory(ms: ReadonlyArray<WorkerdMemory | undefined>): WorkerdMemory {
  const out: WorkerdMemory = { rss: 0, malloc: 0, otherAnon: 0, file: 0 }
  for (const m of ms) {
    if (!m) continue
    out.rss += m.rss
    out.malloc += m.malloc
    out.otherAnon += m.otherAnon
    out.file += m.file
  }
  return out
}
