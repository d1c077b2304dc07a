/**
 * @module cli/cli-error
 * The one error a command throws to fail (cli/command.ts): its message is one sentence, printed
 * after `edgewater <command>: `; the exit status is 1 for a failure, 2 for bad usage.
 */
/** A failure the CLI reports as one sentence and exit status 1 (2 for bad usage). */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: 1 | 2 = 1
  ) {
    super(message)
    this.name = 'CliError'
  }
}
