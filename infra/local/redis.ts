/**
 * @module redis
 * One ephemeral `redis-server` per region on a free loopback port: no persistence, no disk.
 */
import net from 'node:net'
import { freePort } from './prerequisites'
import { type LineSink, spawnChild, waitFor } from './processes'

async function pingRedis(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createConnection({ port, host: '127.0.0.1' }, () => s.write('PING\r\n'))
    s.once('data', (d) => {
      s.destroy()
      resolve(d.toString().startsWith('+PONG'))
    })
    s.once('error', () => resolve(false))
  })
}

export async function startRedis(component: string, sink: LineSink): Promise<number> {
  const port = await freePort()
  spawnChild(
    component,
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--protected-mode',
      'yes',
    ],
    { sink, quiet: (l) => /overcommit/.test(l) || !/# (WARNING|Fatal|Failed)|error/i.test(l) }
  )
  await waitFor(`${component} redis-server`, () => pingRedis(port), 10_000)
  return port
}
