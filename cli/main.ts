/**
 * @module cli/main
 * `npx edgewater <command> [options]`: the operator CLI (docs/operations.md#cli). Every command
 * answers `--help`, prints JSON with `--json`, and on error prints one sentence on stderr and
 * exits non-zero (1 for a failure, 2 for bad usage). Commands live in cli/commands/, listed in
 * cli/commands/index.ts.
 */
import { CliError, type Command, type CommandContext } from './command'
import { COMMANDS } from './commands/index'
import { resolveTarget } from './target'
import { terminalSafe } from './terminal-text'

const GLOBAL_FLAGS = new Set(['--json', '--help', '-h'])

/** The usage text `edgewater --help` prints. */
export function usage(commands: readonly Command[]): string {
  const width = Math.max(...commands.map((c) => c.name.length))
  return [
    'usage: edgewater <command> [options] [--json] [--help]',
    '',
    'commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Target and secrets come from EDGEWATER_URL, EDGEWATER_FUNCTION_URLS, HOP_SECRET, ELLIS_API_KEY,',
    "else from the running local cloud's GET /endpoints (EDGEWATER_PORT_OFFSET respected).",
  ].join('\n')
}

export interface RunOptions {
  env?: Readonly<Record<string, string | undefined>>
  out?: (line: string) => void
  err?: (line: string) => void
  fetch?: CommandContext['fetch']
  now?: () => number
  commands?: readonly Command[]
}

/** Runs the CLI on `argv` (without node and the script); resolves to the exit status. */
export async function runCli(argv: readonly string[], opts: RunOptions = {}): Promise<number> {
  const commands = opts.commands ?? COMMANDS
  const out = opts.out ?? ((l: string) => process.stdout.write(`${l}\n`))
  const err = opts.err ?? ((l: string) => process.stderr.write(`${l}\n`))
  const env = opts.env ?? process.env
  const fetchFn = opts.fetch ?? ((url, init) => fetch(url, init))
  const [name, ...rest] = argv
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    out(usage(commands))
    return name ? 0 : 2
  }
  const command = commands.find((c) => c.name === name)
  if (!command) {
    err(`edgewater: no command "${name}"; run edgewater --help for the list.`)
    return 2
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    out(command.help)
    return 0
  }
  let target: ReturnType<CommandContext['target']> | undefined
  const ctx: CommandContext = {
    json: rest.includes('--json'),
    out,
    err,
    env,
    fetch: fetchFn,
    now: opts.now ?? Date.now,
    target: () => {
      target ??= resolveTarget(env, fetchFn)
      return target
    },
  }
  try {
    await command.run(
      rest.filter((a) => !GLOBAL_FLAGS.has(a)),
      ctx
    )
    return 0
  } catch (e) {
    // An error may quote what a server answered (cli/terminal-text.ts).
    if (e instanceof CliError) {
      err(terminalSafe(`edgewater ${name}: ${e.message}`))
      return e.exitCode
    }
    err(terminalSafe(`edgewater ${name}: ${(e as Error).message ?? String(e)}`))
    return 1
  }
}
