import { describe, expect, it } from 'vitest'
import { CliError, type Command } from './command'
import { runCli } from './main'

const echo: Command = {
  name: 'echo',
  summary: 'prints its arguments',
  help: 'usage: edgewater echo [words]',
  async run(args, ctx) {
    if (args[0] === 'fail') throw new CliError('it failed as asked.')
    ctx.out(ctx.json ? JSON.stringify({ args }) : args.join(' '))
  },
}

async function run(...argv: string[]) {
  const out: string[] = []
  const err: string[] = []
  const code = await runCli(argv, {
    commands: [echo],
    env: {},
    out: (l) => out.push(l),
    err: (l) => err.push(l),
    fetch: async () => {
      throw new Error('no network in unit tests')
    },
  })
  return { code, out, err }
}

describe('runCli', () => {
  it('runs a command, passing --json as a flag and not as an argument', async () => {
    expect(await run('echo', 'a', 'b')).toEqual({ code: 0, out: ['a b'], err: [] })
    expect(await run('echo', 'a', '--json')).toEqual({
      code: 0,
      out: ['{"args":["a"]}'],
      err: [],
    })
  })

  it('prints a command’s help and the command list', async () => {
    expect((await run('echo', '--help')).out).toEqual(['usage: edgewater echo [words]'])
    expect((await run('--help')).out[0]).toMatch(/echo\s+prints its arguments/)
    expect((await run()).code).toBe(2)
  })

  it('exits 1 with one sentence on failure and 2 for an unknown command', async () => {
    expect(await run('echo', 'fail')).toEqual({
      code: 1,
      out: [],
      err: ['edgewater echo: it failed as asked.'],
    })
    expect((await run('nope')).code).toBe(2)
  })
})
