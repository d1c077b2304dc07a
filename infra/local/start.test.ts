import { spawnSync } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
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
