/**
 * Integration tests' global setup: reuses a local cloud already running (`npm start` in another
 * terminal) when the control API answers, otherwise starts one in this process and stops it
 * after the run. Component output goes to `.local/cloud.log` to keep test output readable; after
 * the run the errors it holds (at most {@link ERRORS_SHOWN}) are printed, so that a failure on a
 * machine whose files are gone (CI) still shows what the cloud said.
 */
import { createWriteStream, mkdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import type { TestProject } from 'vitest/node'
import { type Endpoints, type LocalCloud, startLocalCloud } from '../../infra/local/cloud'
import { settingsFromEnv } from '../../infra/local/contract'

let cloud: LocalCloud | undefined

/** How many of the cloud's error lines the teardown prints. */
const ERRORS_SHOWN = 40
const ERROR_LINE = /\bERROR\b|Uncaught|unhandled rejection|SIP request failed/i

function printCloudErrors(file: string): void {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch {
    return
  }
  const errors = text.split('\n').filter((l) => ERROR_LINE.test(l))
  if (errors.length === 0) return
  const shown = errors.slice(-ERRORS_SHOWN).map((l) => (l.length > 600 ? `${l.slice(0, 600)}…` : l))
  process.stderr.write(
    `\nlocal cloud: ${errors.length} error line(s) in ${file}, the last ${shown.length}:\n${shown.join('\n')}\n`
  )
}

export default async function setup(project: TestProject) {
  const settings = settingsFromEnv()
  const control = `http://127.0.0.1:${settings.controlPort}`
  const running = await fetch(`${control}/endpoints`).then(
    (r) => (r.ok ? r.json() : undefined),
    () => undefined
  )
  if (running) {
    project.provide('endpoints', running as Endpoints)
    return
  }
  const dir = path.resolve('.local')
  mkdirSync(dir, { recursive: true })
  const file = path.join(dir, 'cloud.log')
  const log = createWriteStream(file)
  cloud = await startLocalCloud(settings, { sink: (c, line) => log.write(`[${c}] ${line}\n`) })
  project.provide('endpoints', cloud.endpoints())
  return async () => {
    await cloud?.stop()
    await new Promise<void>((done) => log.end(done))
    printCloudErrors(file)
  }
}

declare module 'vitest' {
  export interface ProvidedContext {
    endpoints: import('../../infra/local/cloud').Endpoints
  }
}
