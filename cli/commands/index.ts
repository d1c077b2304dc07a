/**
 * @module cli/commands
 * Every command of the operator CLI, in the order `edgewater --help` lists them. A new command
 * is a file in this folder exporting a {@link Command}, added here.
 */
import type { Command } from '../command'
import { bindings } from './bindings'
import { cdrs } from './cdrs'
import { deregister } from './deregister'
import { metricsCommand } from './metrics'
import { provision } from './provision'
import { regions } from './regions'
import { resync } from './resync'
import { trace } from './trace'
import { traces } from './traces'

export const COMMANDS: readonly Command[] = [
  provision,
  bindings,
  deregister,
  cdrs,
  regions,
  resync,
  metricsCommand,
  trace,
  traces,
]
