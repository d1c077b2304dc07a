/**
 * The operator CLI (`npx edgewater`, docs/operations.md#cli) against the local cloud: every
 * command's `--help`, `--json` and one-sentence errors, a 1,000-line Clearwater CSV provisioned
 * and then re-run (idempotent: 0 created, 1,000 unchanged), bindings and deregistration of a
 * registered phone, a call's CDRs, the regions report, a KV resync and the metrics summary. The
 * commands run in process through `runCli`, and once through the real bin.
 */
import { execFile } from 'node:child_process'
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'
import { COMMANDS } from '../../cli/commands/index'
import { runCli } from '../../cli/main'
import { callIdOf, newLine, Phone } from '../interop/calls-support'
import { endpoints, eventually } from '../support/cloud'
import { onNetCall } from '../support/on-net-call'

async function cli(...argv: string[]) {
  const out: string[] = []
  const err: string[] = []
  const code = await runCli(argv, {
    env: { EDGEWATER_CONTROL_URL: endpoints().control },
    out: (l) => out.push(l),
    err: (l) => err.push(l),
  })
  return { code, out: out.join('\n'), err: err.join('\n') }
}

const json = async (...argv: string[]) => {
  const r = await cli(...argv, '--json')
  expect(r.err.split('\n').filter((l) => l.startsWith('edgewater'))).toEqual([])
  expect(r.code).toBe(0)
  return JSON.parse(r.out)
}

const phones: Phone[] = []
afterAll(async () => {
  await Promise.all(phones.splice(0).map((p) => p.stop()))
})

describe('edgewater CLI', () => {
  it('answers --help for every command and refuses unknown commands and bad usage', async () => {
    for (const c of COMMANDS) {
      const r = await cli(c.name, '--help')
      expect(r.code, c.name).toBe(0)
      expect(r.out).toMatch(new RegExp(`^usage: edgewater ${c.name}`))
    }
    const top = await cli('--help')
    expect(top.code).toBe(0)
    for (const c of COMMANDS) expect(top.out).toContain(c.name)
    const unknown = await cli('frobnicate')
    expect(unknown).toMatchObject({
      code: 2,
      err: expect.stringMatching(/no command "frobnicate"/),
    })
    const usage = await cli('bindings')
    expect(usage.code).toBe(2)
    expect(usage.err.split('\n')).toHaveLength(1)
    const badRegion = await cli('resync', 'c')
    expect(badRegion).toMatchObject({
      code: 2,
      err: 'edgewater resync: no region "c"; regions are a and b.',
    })
  })

  it('provisions a 1,000-line CSV, and a re-run changes nothing', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'edgewater-cli-'))
    const file = path.join(dir, 'subscribers.csv')
    const base = 6_000_000 + Math.floor(Math.random() * 3_000_000)
    const domain = endpoints().homeDomain
    const lines = ['public_id,private_id,realm,password']
    for (let i = 0; i < 1000; i++) {
      const n = `6${base}${String(i).padStart(4, '0')}`
      lines.push(`sip:${n}@${domain},${n}@${domain},${domain},pw-${i}`)
    }
    await writeFile(file, `${lines.join('\n')}\n`)
    const first = await json('provision', '--csv', file, '--concurrency', '32')
    expect(first).toMatchObject({ total: 1000, created: 1000, updated: 0, unchanged: 0, failed: 0 })
    const again = await cli('provision', '--csv', file, '--concurrency', '32')
    expect(again.code).toBe(0)
    expect(again.out).toBe('1000 subscribers: 0 created, 0 updated, 1000 unchanged, 0 failed')
    expect(again.err).toContain('provision: 1000/1000')
    // A changed password is an update of that one subscriber.
    await writeFile(file, `${lines[0]}\n${lines[1]!.replace(/pw-0$/, 'pw-new')}\n`)
    expect(await json('provision', '--csv', file)).toMatchObject({ updated: 1, created: 0 })
    // A malformed file is refused whole, naming the line.
    await writeFile(file, `${lines[1]}\nsip:x@${domain},only-two\n`)
    const bad = await cli('provision', '--csv', file)
    expect(bad.code).toBe(1)
    expect(bad.err).toMatch(/line 2 has 2 fields/)
  }, 900_000)

  it('shows a phone’s bindings, deregisters it, and lists a call’s CDRs', async () => {
    const [la, lb] = await Promise.all([newLine(), newLine()])
    const [a, b] = await Promise.all([Phone.start(la), Phone.start(lb)])
    phones.push(a, b)
    const shown = await json('bindings', la.impu)
    expect(Object.keys(shown.bindings)).toHaveLength(1)
    const text = await cli('bindings', la.impu)
    expect(text.out).toMatch(new RegExp(`^${la.impu}: 1 binding \\(region a\\)`))

    const call = await onNetCall(a, b, lb.impu)
    const callId = callIdOf(call)
    // Charging records land after the call; the command fails with a sentence until then.
    const cdrs = await eventually(async () => {
      const r = await cli('cdrs', callId, '--json')
      return r.code === 0 ? JSON.parse(r.out) : undefined
    }, 30_000)
    expect(cdrs.cdrs.length).toBeGreaterThan(0)
    expect(cdrs.callId).toBe(callId)
    const none = await cli('cdrs', 'no-such-call')
    expect(none).toMatchObject({ code: 1, err: 'edgewater cdrs: no CDRs for call no-such-call.' })

    expect(await json('deregister', lb.impu)).toMatchObject({ deregistered: true, notified: false })
    const gone = await cli('bindings', lb.impu)
    expect(gone.code).toBe(1)
    expect(gone.err).toBe(`edgewater bindings: ${lb.impu} has no registration bindings.`)
  })

  it('reports regions, resyncs a region and prints the metrics summary', async () => {
    const regions = await json('regions')
    for (const r of ['a', 'b']) {
      expect(regions[r]).toMatchObject({ up: true, healthy: true })
      expect(regions[r].functions).toEqual({
        sprout: 'ok',
        dime: 'ok',
        homer: 'ok',
        ellis: 'ok',
        timers: 'ok',
      })
    }
    const shards = regions.a.shardsOwned.numbers.length + regions.b.shardsOwned.numbers.length
    expect(shards).toBe(32)
    const resynced = await json('resync', 'b')
    expect(resynced).toMatchObject({ from: 'a', to: 'b' })
    const m = await json('metrics')
    expect(m.regions.a.registrations.initial).toBeGreaterThan(0)
    const prom = await cli('metrics', '--prometheus')
    expect(prom.out).toMatch(/^# TYPE edgewater_registrations_total counter$/m)
  })

  it('runs as the npx edgewater bin and exits non-zero with one sentence', async () => {
    const run = promisify(execFile)
    const env = { ...process.env, EDGEWATER_CONTROL_URL: endpoints().control }
    const ok = await run('node', ['cli/edgewater.mjs', 'regions', '--json'], { env })
    expect(JSON.parse(ok.stdout).a.healthy).toBe(true)
    const failed = await run('node', ['cli/edgewater.mjs', 'bindings', 'sip:nobody@example.com'], {
      env,
    }).catch((e: { code: number; stderr: string }) => e)
    expect(failed).toMatchObject({
      code: 1,
      stderr: 'edgewater bindings: sip:nobody@example.com has no registration bindings.\n',
    })
  })
})
