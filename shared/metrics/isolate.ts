/**
 * @module metrics/isolate
 * The isolate's one {@link MetricRegistry} and a typed handle on each metric of the catalogue,
 * so a call site records in one line (`metrics.registrations.inc({ kind: 'initial' })`). Kept
 * in memory; the runtime path flushes it (docs/operations.md#metrics): the Lambda entry writes
 * EMF lines, the edge writes Analytics Engine data points, the local cloud scrapes `GET /metrics`.
 */
import { METRICS } from './catalogue'
import { MetricRegistry } from './registry'

export const isolateRegistry = new MetricRegistry()

export const metrics = {
  registrations: isolateRegistry.counter(METRICS.registrations),
  authFailures: isolateRegistry.counter(METRICS.authFailures),
  inviteOutcomes: isolateRegistry.counter(METRICS.inviteOutcomes),
  callSetup: isolateRegistry.histogram(METRICS.callSetup),
  hopLatency: isolateRegistry.histogram(METRICS.hopLatency),
  breakerChanges: isolateRegistry.counter(METRICS.breakerChanges),
  timerPops: isolateRegistry.counter(METRICS.timerPops),
  flowsOpen: isolateRegistry.gauge(METRICS.flowsOpen),
  flowExpiryAlarms: isolateRegistry.counter(METRICS.flowExpiryAlarms),
  flowExpiryWrites: isolateRegistry.counter(METRICS.flowExpiryWrites),
  ellisSignups: isolateRegistry.counter(METRICS.ellisSignups),
  ellisAllocations: isolateRegistry.counter(METRICS.ellisAllocations),
  transactions: isolateRegistry.counter(METRICS.transactions),
}
