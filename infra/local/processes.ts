/**
 * @module processes
 * Child processes of the local cloud (DynamoDB Local, redis-server): spawned in their own
 * process group, their output prefixed with the component name, and all of them stopped on
 * shutdown (SIGTERM, then SIGKILL after a grace period) so no orphan outlives `npm start`.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import readline from 'node:readline'

export type LineSink = (component: string, line: string) => void

const children = new Set<ChildProcess>()

export function spawnChild(
  component: string,
  cmd: string,
  args: string[],
  opts: { cwd?: string; sink: LineSink; quiet?: (line: string) => boolean }
): ChildProcess {
  const child = spawn(cmd, args, {
    cwd: opts.cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  })
  children.add(child)
  child.on('exit', () => children.delete(child))
  for (const stream of [child.stdout, child.stderr]) {
    if (!stream) continue
    readline.createInterface({ input: stream }).on('line', (line) => {
      if (!opts.quiet?.(line)) opts.sink(component, line)
    })
  }
  return child
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null) return
  try {
    process.kill(-child.pid, signal)
  } catch {
    try {
      child.kill(signal)
    } catch {
      // already gone
    }
  }
}

export async function stopChildren(graceMs = 3_000): Promise<void> {
  const list = [...children]
  for (const c of list) killGroup(c, 'SIGTERM')
  await Promise.race([
    Promise.all(
      list.map((c) => (c.exitCode !== null ? undefined : new Promise((r) => c.once('exit', r))))
    ),
    new Promise((r) => setTimeout(r, graceMs)),
  ])
  for (const c of list) killGroup(c, 'SIGKILL')
}

/** Last-resort cleanup when the parent dies without running async shutdown. */
export function killChildrenSync(): void {
  for (const c of children) killGroup(c, 'SIGKILL')
}

export async function waitFor(
  what: string,
  probe: () => Promise<boolean>,
  timeoutMs: number
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (await probe().catch(() => false)) return
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error(`${what} did not become ready within ${timeoutMs} ms`)
}
