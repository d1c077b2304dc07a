/**
 * @module trunk/main
 * `npx tsx infra/trunk/main.ts`: runs the SIP trunk adapter with its settings from the
 * environment (trunk-config.ts, docs/trunk.md) until SIGINT or SIGTERM. A bad setting stops it
 * with one sentence naming that setting.
 */
import { startTrunkAdapter } from './trunk-adapter'
import { trunkConfigFromEnv } from './trunk-config'

const log = (msg: string, fields: Record<string, unknown> = {}) =>
  process.stdout.write(`${JSON.stringify({ at: new Date().toISOString(), msg, ...fields })}\n`)

try {
  const adapter = await startTrunkAdapter(trunkConfigFromEnv(process.env), log)
  const stop = () => {
    adapter.close().finally(() => process.exit(0))
  }
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)
} catch (err) {
  process.stderr.write(`trunk adapter: ${err instanceof Error ? err.message : String(err)}\n`)
  process.exit(1)
}
