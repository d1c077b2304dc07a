import { readFileSync } from 'node:fs'
import { Match, Template } from 'aws-cdk-lib/assertions'
import * as lambda from 'aws-cdk-lib/aws-lambda'
import { beforeAll, describe, expect, it } from 'vitest'
import { METRICS } from '../../shared/metrics/catalogue'
import { EMF_NAMESPACE } from '../../shared/metrics/emf'
import { buildApp } from './app'
import { parseDeployConfig } from './deploy-config'
import { EXAMPLE_CONFIG } from './synth'

let a: Template
let b: Template

beforeAll(() => {
  const raw = JSON.parse(readFileSync(EXAMPLE_CONFIG, 'utf8')) as Record<string, unknown>
  raw.alarms = { ...(raw.alarms as object), invite5xxPer5Min: 7 }
  const { regions } = buildApp(parseDeployConfig(raw), {
    code: () => lambda.Code.fromInline('export const handler = async () => 1'),
  })
  a = Template.fromStack(regions.a)
  b = Template.fromStack(regions.b)
}, 120_000)

const alarmOn = (t: Template, metric: string, dims: Record<string, string>) =>
  Object.values(t.findResources('AWS::CloudWatch::Alarm')).filter((r) => {
    const p = (r as { Properties: Record<string, unknown> }).Properties
    const d = (p.Dimensions as { Name: string; Value: string }[] | undefined) ?? []
    return (
      p.MetricName === metric &&
      p.Namespace === EMF_NAMESPACE &&
      Object.entries(dims).every(([k, v]) => d.some((x) => x.Name === k && x.Value === v)) &&
      d.length === Object.keys(dims).length
    )
  }) as { Properties: Record<string, unknown> }[]

describe('CloudWatch dashboard and alarms on Edgewater metrics', () => {
  it('has one dashboard per region charting registrations, calls, failures and setup p50/p99', () => {
    for (const [t, r] of [
      [a, 'a'],
      [b, 'b'],
    ] as const) {
      t.resourceCountIs('AWS::CloudWatch::Dashboard', 1)
      const body = JSON.stringify(
        Object.values(t.findResources('AWS::CloudWatch::Dashboard'))[0]?.Properties.DashboardBody
      )
      for (const name of [
        METRICS.registrations.name,
        METRICS.inviteOutcomes.name,
        METRICS.authFailures.name,
        METRICS.callSetup.name,
        METRICS.kvFallbacks.name,
      ])
        expect(body, name).toContain(name)
      expect(body).toContain('p50')
      expect(body).toContain('p99')
      expect(body).toContain(`\\"Region\\",\\"${r}\\"`)
    }
  })

  it('alarms per region on auth failures, INVITE 5xx, setup p99, KV fallbacks and late pops', () => {
    expect(alarmOn(a, METRICS.authFailures.name, { Region: 'a' })).toHaveLength(1)
    const invite = alarmOn(a, METRICS.inviteOutcomes.name, { Region: 'a', Class: '5xx' })
    expect(invite).toHaveLength(1)
    expect(invite[0]?.Properties).toMatchObject({
      Threshold: 7,
      Period: 300,
      Statistic: 'Sum',
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
    })
    const setup = alarmOn(b, METRICS.callSetup.name, { Region: 'b' })
    expect(setup[0]?.Properties).toMatchObject({ ExtendedStatistic: 'p99', Threshold: 30_000 })
    expect(alarmOn(b, METRICS.kvFallbacks.name, { Region: 'b' })).toHaveLength(1)
    expect(alarmOn(b, METRICS.timerPops.name, { Region: 'b', Timing: 'late' })).toHaveLength(1)
  })

  it('sends every metric alarm to the region’s alarm topic', () => {
    const ours = Object.values(a.findResources('AWS::CloudWatch::Alarm')).filter(
      (r) => (r as { Properties: { Namespace?: string } }).Properties.Namespace === EMF_NAMESPACE
    )
    expect(ours).toHaveLength(5)
    a.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: EMF_NAMESPACE,
      AlarmActions: Match.arrayWith([Match.objectLike({ Ref: Match.stringLikeRegexp('Alarms') })]),
    })
  })
})
