import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync } from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ROOT } from './build'

// Each case starts `npm start`'s entry in a child process (tsx compile included): seconds, not ms.
describe('npm start refuses clearly', { timeout: 60_000 }, () => {
  let blocker: net.Server
  let port: number

  beforeAll(async () => {
    blocker = net.createServer()
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()))
    port = (blocker.address() as net.AddressInfo).port
  })
  afterAll(() => blocker.close())

  it('stops with one sentence naming the port, the variable and the fix when a port is taken', () => {
    const r = spawnSync(
      process.execPath,
      ['--import', 'tsx', path.join(ROOT, 'infra/local/start.ts')],
      {
        cwd: ROOT,
        env: { ...process.env, EDGEWATER_PORT_OFFSET: '4000', EDGE_PORT_B: String(port) },
        encoding: 'utf8',
        timeout: 50_000,
      }
    )
    expect(r.status).toBe(1)
    expect(r.stderr).toContain(
      `Port ${port} (region b edge, EDGE_PORT_B) is already in use: stop whatever holds it (is another \`npm start\` running?) or set EDGE_PORT_B (or EDGEWATER_PORT_OFFSET) to move it.`
    )
  })

  it('names the install command when Java or redis-server is missing', () => {
    const r = spawnSync(
      process.execPath,
      ['--import', 'tsx', path.join(ROOT, 'infra/local/start.ts')],
      {
        cwd: ROOT,
        env: {
          ...process.env,
          EDGEWATER_PORT_OFFSET: '4000',
          // Empty PATH: node runs by its full path; java and redis-server cannot be found.
          PATH: mkdtempSync(path.join(os.tmpdir(), 'no-tools-')),
        },
        encoding: 'utf8',
        timeout: 50_000,
      }
    )
    expect(r.status).toBe(1)
    expect(r.stderr).toMatch(
      /(Java|redis-server) is missing.*install it with `sudo apt-get install -y/
    )
  })
})

describe('npm start stops cleanly', { timeout: 120_000 }, () => {
  it('starts the whole cloud, then leaves no child process behind after SIGTERM', async () => {
    const { spawn, execFileSync } = await import('node:child_process')
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', path.join(ROOT, 'infra/local/start.ts')],
      {
        cwd: ROOT,
        env: { ...process.env, EDGEWATER_PORT_OFFSET: '4100' },
        stdio: ['ignore', 'pipe', 'pipe'],
      }
    )
    let out = ''
    child.stdout.on('data', (d) => (out += d))
    child.stderr.on('data', (d) => (out += d))
    await new Promise<void>((resolve, reject) => {
      const t = setInterval(() => {
        if (out.includes('Edgewater is up')) {
          clearInterval(t)
          resolve()
        } else if (child.exitCode !== null) {
          clearInterval(t)
          reject(new Error(`start exited early:\n${out}`))
        }
      }, 200)
    })
    const descendants = () => {
      const rows = execFileSync('ps', ['-eo', 'pid,ppid,pgid,comm'], { encoding: 'utf8' })
        .trim()
        .split('\n')
        .slice(1)
        .map((l) => l.trim().split(/\s+/))
      const ids = new Set([String(child.pid)])
      for (let grew = true; grew; ) {
        grew = false
        for (const [pid, ppid] of rows) {
          if (ppid && ids.has(ppid) && pid && !ids.has(pid)) {
            ids.add(pid)
            grew = true
          }
        }
      }
      ids.delete(String(child.pid))
      return rows
        .filter(([pid]) => pid && ids.has(pid))
        .map(([pid, , , comm]) => ({ pid: Number(pid), comm }))
    }
    const before = descendants()
    expect(before.map((p) => p.comm)).toEqual(
      expect.arrayContaining(['java', 'redis-server', 'workerd'])
    )
    child.kill('SIGTERM')
    const code = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)))
    // 143 = 128 + SIGTERM: miniflare's exit hook ends the process the conventional way once it has
    // disposed workerd; our own exit handler has killed the other children by then.
    expect([0, 143]).toContain(code)
    // A process still running (not a zombie waiting for init to reap it) is an orphan.
    const running = () =>
      before.filter((p) => {
        try {
          const stat = readFileSync(`/proc/${p.pid}/stat`, 'utf8')
          return stat.split(') ')[1]?.[0] !== 'Z'
        } catch {
          return false
        }
      })
    for (let i = 0; i < 50 && running().length > 0; i++)
      await new Promise((r) => setTimeout(r, 100))
    expect(running()).toEqual([])
  })
})
