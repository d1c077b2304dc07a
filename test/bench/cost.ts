/**
 * @module cost
 * `npx tsx test/bench/cost.ts`: the cost model (support/cost-model) per registration, per call
 * and per 1,000 subscribers per month, at the prices of BENCH_PRICES or the dated file.
 *
 * The use per operation is steps.ts's (`npx tsx test/bench/steps.ts` against a local cloud):
 * the store operations, invocations, requests and messages of one operation counted alone, so
 * the same code gives the same figures on a loaded machine. The registration is the shape every
 * production flow takes (wss:, authenticated: no fresh challenge, one invocation). The workerd
 * CPU per operation is the one the benches measured (`npm run bench registrar`, `npm run bench
 * calls`, saved in `.local/bench-registration-use.json` and `.local/bench-call-use.json`), or 0
 * when they have not run. Without steps.ts's files, the benches' use is taken as they saved it.
 * The last line is the total against the goal of $5 per 1,000 subscribers per month.
 */
import { loadPrices, monthlyPer1000, type OperationUse } from './support/cost-model'
import { costReport, loadUse, type UseName } from './support/report'

const GOAL_USD = 5

function use(steps: UseName, bench: UseName): { use: OperationUse; from: string } | undefined {
  const counted = loadUse(steps)
  const measured = loadUse(bench)
  if (counted)
    return {
      use: { ...counted, workerdCpuMs: measured?.workerdCpuMs ?? 0 },
      from: `.local/bench-${steps}-use.json (CPU from ${measured ? `.local/bench-${bench}-use.json` : 'nowhere: 0'})`,
    }
  return measured ? { use: measured, from: `.local/bench-${bench}-use.json` } : undefined
}

const reg = use('steps-registration', 'registration')
const call = use('steps-call', 'call')
if (!reg || !call) {
  console.error('no saved use: run `npx tsx test/bench/steps.ts` against a local cloud first')
  process.exit(1)
}
console.log(`registration: ${reg.from}\ncall: ${call.from}`)
console.log(JSON.stringify({ registration: reg.use, call: call.use }, null, 2))
console.log(costReport('registration', reg.use, { call: call.use }))
console.log(costReport('call', call.use, { registration: reg.use }))
const m = monthlyPer1000(reg.use, call.use, loadPrices(), loadUse('expiry-event'))
console.log(
  `\nTotal: $${m.total.toFixed(2)} per 1,000 subscribers per month (goal ≤ $${GOAL_USD}: ${m.total <= GOAL_USD ? 'met' : 'not met'})`
)
