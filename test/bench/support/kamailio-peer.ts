/**
 * @module kamailio-peer
 * The Kamailio 5.6 reference peer (SIP over WebSocket registrar and stateful proxy), started and
 * stopped by the bench with the scripts in KAMAILIO_PEER_DIR (default `../shared/tools/
 * kamailio-peer` beside the checkout). Its run directory (pidfile, log, credentials) is a fresh
 * temporary directory, because the scripts' own folder may be read-only. Users are `user0000`…
 * with password `pw-` + user name, realm `example.com` (the peer's README).
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'

export const KAMAILIO_DOMAIN = 'example.com'

export interface KamailioPeer {
  url: string
  pid: number
  stop(): void
}

export function peerDir(): string {
  return process.env.KAMAILIO_PEER_DIR ?? path.resolve('..', 'shared', 'tools', 'kamailio-peer')
}

/** Why the peer cannot run here, in one line, or undefined when it can. */
export function kamailioMissing(): string | undefined {
  if (process.env.BENCH_NO_PEER === '1') return 'Kamailio peer disabled (BENCH_NO_PEER=1)'
  if (spawnSync('sh', ['-c', 'command -v kamailio']).status !== 0)
    return 'kamailio is not installed (apt-get install kamailio kamailio-websocket-modules): running Edgewater alone'
  if (!existsSync(path.join(peerDir(), 'start.sh')))
    return `no Kamailio peer scripts in ${peerDir()} (set KAMAILIO_PEER_DIR): running Edgewater alone`
  return undefined
}

export function startKamailio(port: number, users: number): KamailioPeer {
  const rundir = mkdtempSync(path.join(os.tmpdir(), 'kamailio-peer-'))
  const env = {
    ...process.env,
    KAM_PORT: String(port),
    KAM_RUNDIR: rundir,
    KAM_USERS: String(Math.max(users, 10)),
  }
  const out = execFileSync('bash', [path.join(peerDir(), 'start.sh')], { env, encoding: 'utf8' })
  const pid = Number(readFileSync(path.join(rundir, 'kamailio.pid'), 'utf8').trim())
  console.log(out.trim())
  return {
    url: `ws://127.0.0.1:${port}/`,
    pid,
    stop() {
      spawnSync('bash', [path.join(peerDir(), 'stop.sh')], { env, stdio: 'ignore' })
      rmSync(rundir, { recursive: true, force: true })
    },
  }
}

/** The peer's credentials for user `i`. */
export function kamailioUser(i: number) {
  const name = `user${String(i).padStart(4, '0')}`
  return {
    impu: `sip:${name}@${KAMAILIO_DOMAIN}`,
    impi: name,
    password: `pw-${name}`,
    domain: KAMAILIO_DOMAIN,
  }
}
