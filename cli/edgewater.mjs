#!/usr/bin/env node
// The `edgewater` bin (package.json): loads the TypeScript CLI through tsx and runs it.
import { register } from 'tsx/esm/api'

register()
const { runCli } = await import('./main.ts')
process.exitCode = await runCli(process.argv.slice(2))
