/**
 * @module prerequisites
 * Fails start-up early, in one sentence, when something the local cloud needs is missing:
 * Java (DynamoDB Local), redis-server, or a port already in use.
 */
import { spawnSync } from 'node:child_process'
import net from 'node:net'

export class PrerequisiteError extends Error {
  override name = 'PrerequisiteError'
}

const INSTALL = {
  java: 'Java is missing (DynamoDB Local needs it): install it with `sudo apt-get install -y default-jre-headless` on Debian/Ubuntu or `brew install openjdk` on macOS.',
  redis:
    'redis-server is missing: install it with `sudo apt-get install -y redis-server` on Debian/Ubuntu or `brew install redis` on macOS.',
}

function has(cmd: string, args: string[]): boolean {
  const r = spawnSync(cmd, args, { stdio: 'ignore' })
  return !r.error && r.status === 0
}

export function checkCommands(): void {
  if (!has('java', ['-version'])) throw new PrerequisiteError(INSTALL.java)
  if (!has('redis-server', ['--version'])) throw new PrerequisiteError(INSTALL.redis)
}

export function portFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer()
    srv.once('error', () => resolve(false))
    srv.listen(port, host, () => srv.close(() => resolve(true)))
  })
}

export interface PortUse {
  port: number
  /** What listens there, e.g. "region a edge". */
  what: string
  /** The variable that moves it. */
  envVar: string
}

export async function checkPorts(uses: readonly PortUse[]): Promise<void> {
  for (const u of uses) {
    if (!(await portFree(u.port))) {
      throw new PrerequisiteError(
        `Port ${u.port} (${u.what}, ${u.envVar}) is already in use: stop whatever holds it (is another \`npm start\` running?) or set ${u.envVar} (or EDGEWATER_PORT_OFFSET) to move it.`
      )
    }
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer()
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address()
      const p = typeof addr === 'object' && addr ? addr.port : 0
      srv.close(() => resolve(p))
    })
  })
}
