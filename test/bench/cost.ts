/**
 * @module cost
 * `npx tsx test/bench/cost.ts`: the cost model (support/cost-model) per registration, per call
 * and per 1,000 subscribers per month from the use per operation the last `npm run bench
 * registrar` and `npm run bench calls` saved in `.local/bench-registration-use.json` and
 * `.local/bench-call-use.json` (edit those to model another use, for example the guarded counts of
 * test/integration/store-counts.test.ts), at the prices of BENCH_PRICES or the dated file.
 */
import { existsSync, readFileSync } from 'node:fs'
import type { OperationUse } from './support/cost-model'
import { costReport } from './support/report'

const file = (n: string) => `.local/bench-${n}-use.json`
for (const n of ['registration', 'call'] as const) {
  if (!existsSync(file(n))) {
    console.error(`no ${file(n)}: run npm run bench ${n === 'call' ? 'calls' : 'registrar'} first`)
    process.exit(1)
  }
}
const use = (n: string) => JSON.parse(readFileSync(file(n), 'utf8')) as OperationUse
console.log(JSON.stringify({ registration: use('registration'), call: use('call') }, null, 2))
console.log(costReport('registration', use('registration')))
console.log(costReport('call', use('call')))
