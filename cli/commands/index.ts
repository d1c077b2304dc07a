/**
 * @module cli/commands
 * Every command of the operator CLI, in the order `edgewater --help` lists them. A new command
 * is a file in this folder exporting a {@link Command}, added here.
 */
import type { Command } from '../command'

export const COMMANDS: readonly Command[] = []
