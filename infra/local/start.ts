/**
 * @module start
 * `npm start`: the two-region local cloud in the foreground, with progress output, then the
 * URLs and dev secrets. Ctrl-C or SIGTERM stops every child process.
 */
import { type LocalCloud, startLocalCloud } from './cloud'
import { settingsFromEnv } from './contract'
import { PrerequisiteError } from './prerequisites'
import { killChildrenSync } from './processes'

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'

const t0 = Date.now()
const tagWidth = 12
/**
 * Lines from the components, written together once per turn of the event loop: one write for
 * what a burst of SIP traffic logs, not one per line.
 */
let pending: string[] = []
let flushing = false
function flushLines(): void {
  flushing = false
  if (pending.length === 0) return
  const out = pending.join('')
  pending = []
  process.stdout.write(out)
}
const sink = (component: string, line: string) => {
  pending.push(`${`[${component}]`.padEnd(tagWidth + 2)}${line}\n`)
  if (!flushing) {
    flushing = true
    setImmediate(flushLines)
  }
}
/** Progress and notices, after any component lines still waiting. */
function say(text: string): void {
  flushLines()
  console.log(text)
}

let cloud: LocalCloud | undefined
let stopping = false
async function shutdown(code: number) {
  if (stopping) return
  stopping = true
  say('\nstopping the local cloud…')
  await cloud?.stop()
  process.exit(code)
}
process.on('SIGINT', () => void shutdown(0))
process.on('SIGTERM', () => void shutdown(0))
process.on('exit', () => {
  flushLines()
  killChildrenSync()
})

try {
  const settings = settingsFromEnv()
  say('Edgewater local cloud: starting two regions on loopback')
  cloud = await startLocalCloud(settings, {
    sink,
    progress: (step, done) => {
      if (done) say(`  ✓ ${step} (${(done.ms / 1000).toFixed(1)} s)`)
      else say(`  … ${step}`)
    },
  })
  const e = cloud.endpoints()
  say(`
Edgewater is up in ${((Date.now() - t0) / 1000).toFixed(1)} s.

  Region a edge   ${e.edges.a}     SIP over WebSocket: ${e.sip.a}  (subprotocol "sip")
  Region b edge   ${e.edges.b}     SIP over WebSocket: ${e.sip.b}
  Web UI          ${e.edges.a}/     Ellis API: ${e.edges.a}/api
  Control API     ${e.control}     POST /regions/{a|b}/down|up, POST /clock/advance
  DynamoDB Local  ${e.dynamodb}
  Upstash KV      a ${e.kv.a.url}  b ${e.kv.b.url}
  Scheduler       a ${e.scheduler.a}  b ${e.scheduler.b}

Dev settings (override with environment variables):
  HOME_DOMAIN=${e.homeDomain}
  SIGNUP_CODE=${e.signupCode}
  ELLIS_API_KEY=${e.ellisApiKey}
  KV tokens: a=${e.kv.a.token} b=${e.kv.b.token}

Press Ctrl-C to stop.
`)
} catch (err) {
  flushLines()
  if (err instanceof PrerequisiteError) console.error(`\n${err.message}`)
  else
    console.error(
      `\nThe local cloud failed to start: ${err instanceof Error ? err.message : String(err)}`
    )
  await shutdown(1)
}
