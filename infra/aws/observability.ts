/**
 * @module infra/aws/observability
 * One region's CloudWatch dashboard and metric alarms (docs/operations.md#alarms), over the
 * metrics the functions write as EMF lines (shared/metrics/emf.ts: namespace `Edgewater`,
 * dimension sets `[Region]` and `[Region, <label>]`). The dashboard shows what `/ops` shows:
 * registrations/s, calls/s, failures, call setup p50/p99, plus KV fallbacks and repairs, breaker
 * changes and timer pops. Alarms (thresholds in the deployment configuration's `alarms`):
 * authentication failures, INVITEs answered 5xx, call setup p99, KV fallback reads and late
 * timer pops, each over 5 minutes, each notifying the region's alarm topic.
 */
import { Duration } from 'aws-cdk-lib'
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch'
import { Construct } from 'constructs'
import type { Region } from '../../shared/config/regions'
import { METRICS } from '../../shared/metrics/catalogue'
import { EMF_NAMESPACE } from '../../shared/metrics/emf'
import type { DeployConfig } from './deploy-config'

export interface ObservabilityProps {
  config: DeployConfig
  region: Region
  /** Adds the region's notification action to an alarm. */
  notify: (a: cloudwatch.Alarm) => void
}

const FIVE_MIN = Duration.minutes(5)
const ONE_MIN = Duration.minutes(1)

export const dashboardName = (c: DeployConfig, r: Region) => `${c.prefix}-${r}`

export class Observability extends Construct {
  readonly dashboard: cloudwatch.Dashboard
  readonly alarms: Record<string, cloudwatch.Alarm> = {}

  constructor(scope: Construct, id: string, p: ObservabilityProps) {
    super(scope, id)
    const { config: c, region: r } = p
    const metric = (
      name: string,
      dims: Record<string, string> = {},
      o: { statistic?: string; period?: Duration; label?: string } = {}
    ) =>
      new cloudwatch.Metric({
        namespace: EMF_NAMESPACE,
        metricName: name,
        dimensionsMap: { Region: r, ...dims },
        statistic: o.statistic ?? 'Sum',
        period: o.period ?? ONE_MIN,
        ...(o.label ? { label: o.label } : {}),
      })
    const perSecond = (m: cloudwatch.Metric, id: string, label: string) =>
      new cloudwatch.MathExpression({
        expression: `${id} / PERIOD(${id})`,
        usingMetrics: { [id]: m },
        label,
        period: ONE_MIN,
      })

    const registrations = metric(METRICS.registrations.name)
    const invites = metric(METRICS.inviteOutcomes.name)
    const setup = (stat: 'p50' | 'p99', period = ONE_MIN, label?: string) =>
      metric(METRICS.callSetup.name, {}, { statistic: stat, period, ...(label ? { label } : {}) })

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: dashboardName(c, r),
      widgets: [
        [
          new cloudwatch.GraphWidget({
            title: `Registrations/s and calls/s (region ${r})`,
            left: [
              perSecond(registrations, 'regs', 'registrations/s'),
              perSecond(invites, 'calls', 'calls/s'),
            ],
            width: 12,
          }),
          new cloudwatch.GraphWidget({
            title: 'Call setup (ms)',
            left: [setup('p50', ONE_MIN, 'setup p50'), setup('p99', ONE_MIN, 'setup p99')],
            width: 12,
          }),
        ],
        [
          new cloudwatch.GraphWidget({
            title: 'Failures',
            left: [
              metric(METRICS.authFailures.name, {}, { label: 'auth failures' }),
              metric(METRICS.inviteOutcomes.name, { Class: '4xx' }, { label: 'INVITE 4xx' }),
              metric(METRICS.inviteOutcomes.name, { Class: '5xx' }, { label: 'INVITE 5xx' }),
              metric(METRICS.inviteOutcomes.name, { Class: '6xx' }, { label: 'INVITE 6xx' }),
            ],
            width: 12,
          }),
          new cloudwatch.GraphWidget({
            title: 'Resilience',
            left: [
              metric(METRICS.kvFallbacks.name, {}, { label: 'KV fallback reads' }),
              metric(METRICS.kvRepairs.name, {}, { label: 'KV read-repairs' }),
              metric(METRICS.breakerChanges.name, {}, { label: 'breaker changes' }),
              metric(METRICS.timerPops.name, { Timing: 'late' }, { label: 'late pops' }),
              metric(METRICS.timerPops.name, { Timing: 'duplicate' }, { label: 'duplicate pops' }),
            ],
            width: 12,
          }),
        ],
      ],
    })

    const alarm = (
      id: string,
      name: string,
      m: cloudwatch.Metric,
      threshold: number,
      description: string
    ) => {
      const a = new cloudwatch.Alarm(this, id, {
        alarmName: `${c.prefix}-${name}-${r}`,
        alarmDescription: description,
        metric: m,
        threshold,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      })
      p.notify(a)
      this.alarms[id] = a
    }
    const a = c.alarms
    alarm(
      'AuthFailures',
      'auth-failures',
      metric(METRICS.authFailures.name, {}, { period: FIVE_MIN }),
      a.authFailuresPer5Min,
      'Digest authentication failures in 5 minutes (guessing, or a provisioning fault).'
    )
    alarm(
      'Invite5xx',
      'invite-5xx',
      metric(METRICS.inviteOutcomes.name, { Class: '5xx' }, { period: FIVE_MIN }),
      a.invite5xxPer5Min,
      'INVITEs answered 5xx in 5 minutes (a backend or region failing).'
    )
    alarm(
      'SetupP99',
      'call-setup-p99',
      setup('p99', FIVE_MIN),
      a.setupP99Ms,
      'Call setup time p99 over 5 minutes, ms.'
    )
    alarm(
      'KvFallbacks',
      'kv-fallbacks',
      metric(METRICS.kvFallbacks.name, {}, { period: FIVE_MIN }),
      a.kvFallbacksPer5Min,
      "KV reads answered from the other region's copy in 5 minutes (local KV failing or lagging)."
    )
    alarm(
      'LatePops',
      'late-timer-pops',
      metric(METRICS.timerPops.name, { Timing: 'late' }, { period: FIVE_MIN }),
      a.latePopsPer5Min,
      'Timer pops delivered late in 5 minutes.'
    )
  }
}
