/**
 * @module cli/command
 * The operator CLI's command shape (`npx edgewater <command>`, docs/operations.md). A command is
 * a name, a one-line summary for the command list, the text `--help` prints, and `run`, which
 * gets the arguments after its name and a {@link CommandContext}. A command reports failure by
 * throwing a {@link CliError} (one sentence; main.ts prints it and exits 1); it writes results
 * through `ctx.out` as text, or as one JSON document when `ctx.json` is set (`--json`).
 */
import type { Fetch } from '../shared/hop/fetch'
import type { CliTarget } from './target'

/** What a command needs from its surroundings (contributing §5): output, target, fetch, clock. */
export interface CommandContext {
  /** `--json` was given: print one JSON document on stdout instead of text. */
  json: boolean
  /** Writes one line of the result (stdout). */
  out(line: string): void
  /** Writes one line of progress or diagnostics (stderr), kept out of `--json` output. */
  err(line: string): void
  /** The process environment the CLI was started with. */
  env: Readonly<Record<string, string | undefined>>
  /** The deployment to talk to: from the environment, else the running local cloud's `/endpoints`. */
  target(): Promise<CliTarget>
  /** The outbound fetch (the global one; a test may pass its own). */
  fetch: Fetch
  /** Wall-clock milliseconds (injectable for tests). */
  now(): number
}

/** One operator command. */
export interface Command {
  /** The word after `edgewater`. */
  name: string
  /** One line for `edgewater --help`. */
  summary: string
  /** The full text `edgewater <name> --help` prints: usage, options, what it does. */
  help: string
  /** Runs the command; resolves on success, throws {@link CliError} on failure. */
  run(args: readonly string[], ctx: CommandContext): Promise<void>
}

export { CliError } from './cli-error'
