/**
 * Integration tests' global setup: reuses a local cloud already running (`npm start` in another
 * terminal) when the control API answers, otherwise starts one in this process and stops it
 * after the run. Component output goes to `.local/cloud.log` to keep test output readable.
 */
import { createWriteStream, mkdirSync } from 'node:fs'
import path from 'node:path'
import type { TestProject } from 'vitest/node'
import { type Endpoints, type LocalCloud, startLocalCloud } from '../../infra/local/cloud'
import { settingsFromEnv } from '../../infra/local/contract'

let cloud: LocalCloud | undefined

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
  const log = createWriteStream(path.join(dir, 'cloud.log'))
  cloud = await startLocalCloud(settings, { sink: (c, line) => log.write(`[${c}] ${line}\n`) })
  project.provide('endpoints', cloud.endpoints())
  return async () => {
    await cloud?.stop()
    log.end()
  }
}

declare module 'vitest' {
  export interface ProvidedContext {
    endpoints: import('../../infra/local/cloud').Endpoints
  }
}
