/**
 * @module bench report
 * What the registration and call benches print beside each other: CPU per operation per process,
 * and the cost model. Each bench also writes its Edgewater use per operation to
 * `.local/bench-<name>-use.json`, so that the other bench can print the monthly model with both.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import {
  busyHourCallsPerSubscriber,
  costPerOperation,
  expiryEventsPerRegistration,
  loadPrices,
  monthlyPer1000,
  type OperationUse,
  sum,
} from './cost-model'
import { fmt, table } from './stats'

/** CPU ms per operation by process, both systems side by side (µs when under 1 ms). */
export function cpuTable(
  systems: Array<{ name: string; cpu: Map<string, number>; ops: number }>
): string {
  const labels = [...new Set(systems.flatMap((s) => [...s.cpu.keys()]))].sort()
  const show = (ms: number) => (ms < 1 ? `${fmt(ms * 1000, 0)} µs` : `${fmt(ms, 2)} ms`)
  const rows = labels.map((l) => [
    l,
    ...systems.map((s) => (s.cpu.has(l) ? show((s.cpu.get(l) ?? 0) / s.ops) : '')),
  ])
  rows.push([
    '**all server processes**',
    ...systems.map((s) =>
      show(
        [...s.cpu.entries()]
          .filter(([k]) => !k.startsWith('generator'))
          .reduce((n, [, v]) => n + v, 0) / s.ops
      )
    ),
  ])
  return table(['CPU per operation', ...systems.map((s) => s.name)], rows)
}

const usePath = (name: string) => path.join('.local', `bench-${name}-use.json`)

/**
 * The saved uses: the benches' (`registration`, `call`: counted under load, with the CPU they
 * measured) and steps.ts's (`steps-registration`, the no-challenge shape of a wss: flow;
 * `steps-call`; `expiry-event`, what a refreshed binding's expiry costs the flow), counted one
 * operation at a time.
 */
export type UseName = 'registration' | 'call' | 'steps-registration' | 'steps-call' | 'expiry-event'

export function saveUse(name: UseName, use: OperationUse): void {
  mkdirSync('.local', { recursive: true })
  writeFileSync(usePath(name), JSON.stringify(use, null, 2))
}

export function loadUse(name: UseName): OperationUse | undefined {
  return existsSync(usePath(name))
    ? (JSON.parse(readFileSync(usePath(name), 'utf8')) as OperationUse)
    : undefined
}

const usd = (v: number) => (v >= 100 ? `$${v.toFixed(0)}` : `$${v.toFixed(2)}`)

/**
 * The cost model for this operation, and per 1,000 subscribers when both are known: the other
 * operation from `others`, else as the other bench saved it.
 */
export function costReport(
  kind: 'registration' | 'call',
  use: OperationUse,
  others: { registration?: OperationUse; call?: OperationUse } = {}
): string {
  const prices = loadPrices()
  const per = costPerOperation(use, prices)
  const out: string[] = []
  out.push(
    `\nCost model (list prices read ${prices.read}, test/bench/prices-2026-12.json): $ per million ${kind}s`
  )
  out.push(
    table(
      ['line', `$ per million ${kind}s`],
      [
        ...Object.entries(per).map(([k, v]) => [k, usd(v * 1e6)]),
        [`**total**`, `**${usd(sum(per) * 1e6)}**`],
      ]
    )
  )
  const reg = kind === 'registration' ? use : (others.registration ?? loadUse('registration'))
  const call = kind === 'call' ? use : (others.call ?? loadUse('call'))
  if (!reg || !call) {
    out.push(
      `(per 1,000 subscribers per month: run \`npm run bench ${kind === 'call' ? 'registrar' : 'calls'}\` too)`
    )
    return out.join('\n')
  }
  const pop = loadUse('expiry-event')
  const m = monthlyPer1000(reg, call, prices, pop)
  const pr = prices.profile
  out.push(
    `\nPer 1,000 subscribers per month at Clearwater's profile: ${pr.busy_hour_call_attempts_per_subscriber} BHCA (${fmt(busyHourCallsPerSubscriber(prices), 2)} end-to-end calls in the busy hour), ${pr.reregistrations_per_subscriber_per_hour} re-registrations/h; the busy hour carries ${pr.busy_hour_share_of_daily_calls * 100}% of a day's calls, so ${fmt(m.callsPerSubscriber, 0)} calls and ${fmt(m.registrationsPerSubscriber, 0)} registrations per subscriber per month; fixed fees and the usage Workers Paid includes shared over ${pr.deployment_subscribers.toLocaleString('en')} subscribers`
  )
  out.push(
    table(
      ['line', '$ per 1,000 subscribers per month'],
      [
        ...Object.entries(m.lines).map(([k, v]) => [k, usd(v)]),
        ['**total**', `**${usd(m.total)}**`],
        [
          'Clearwater on VMs (two sites with spares)',
          `${usd(prices.clearwater_vm_per_1000_subscribers_month_usd.low)}–${usd(prices.clearwater_vm_per_1000_subscribers_month_usd.high)}`,
        ],
      ]
    )
  )
  out.push(
    pop
      ? `Binding expiry: ${fmt(expiryEventsPerRegistration(prices), 2)} expiry events per registration (expiry ${pr.registration_expiry_s} s, a refresh every ${fmt(3600 / pr.reregistrations_per_subscriber_per_hour, 0)} s), each as .local/bench-expiry-event-use.json (test/bench/steps.ts) counted: ${pop.durableObjectAlarms ?? 0} alarm, ${pop.durableObjectRowsWritten ?? 0} row written. Workers Paid's included usage took ${usd(m.includedUsd)} off the lines.`
      : 'Binding expiry not included: run `npx tsx test/bench/steps.ts` against a cloud to count it.'
  )
  out.push(
    `Upstash: ${m.upstash.choice} (pay as you go ${usd(m.upstash.payAsYouGo)}${m.upstash.fixed ? `, ${m.upstash.fixed.name} ×2 ${usd(m.upstash.fixed.per1000)}` : ', no fixed plan fits'}; busy hour ${fmt(m.busyHourKvCommandsPerSecondPerRegion, 0)} commands/s in the busiest region). Flow objects that never hibernated would add ${usd(m.awakeFlowsPer1000)}.`
  )
  return out.join('\n')
}
