/**
 * @module bench runner
 * `npm run bench [name…]` runs every `test/bench/*.bench.ts` (or the named ones) one after another,
 * each in its own process so one benchmark's heap and JIT state do not colour the next.
 */
import { spawnSync } from 'node:child_process'
import { readdirSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const here = path.dirname(fileURLToPath(import.meta.url))
const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'))
const passThrough = process.argv.slice(2).filter((a) => a.startsWith('-'))
const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => wanted.length === 0 || wanted.some((w) => f.startsWith(w)))
  .sort()

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'
let failed = 0
for (const file of files) {
  console.log(`\n=== ${file} ===`)
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', path.join(here, file), ...passThrough],
    {
      stdio: 'inherit',
    }
  )
  if (r.status !== 0) failed++
}
process.exit(failed === 0 ? 0 : 1)
