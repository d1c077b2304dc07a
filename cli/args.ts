/**
 * @module cli/args
 * Option parsing for commands: node:util's parseArgs in strict mode, with a mistake reported as
 * a {@link CliError} of exit status 2 that names the command's `--help`.
 */
import { type ParseArgsConfig, parseArgs } from 'node:util'
import { CliError } from './command'

type Options = NonNullable<ParseArgsConfig['options']>

/** Parses `args` against `options`; `positionals` is the exact count or range expected. */
export function parseCommandArgs<O extends Options>(
  command: string,
  args: readonly string[],
  options: O,
  positionals: { min: number; max: number; names: string }
) {
  let parsed: ReturnType<typeof parseArgs<{ options: O; allowPositionals: true; strict: true }>>
  try {
    parsed = parseArgs({ args: [...args], options, allowPositionals: true, strict: true })
  } catch (e) {
    throw new CliError(
      `${(e as Error).message.replace(/\.$/, '')}; see edgewater ${command} --help.`,
      2
    )
  }
  const n = parsed.positionals.length
  if (n < positionals.min || n > positionals.max)
    throw new CliError(
      `edgewater ${command} takes ${positionals.names}; see edgewater ${command} --help.`,
      2
    )
  return parsed
}
