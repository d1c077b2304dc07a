import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { Match, Template } from 'aws-cdk-lib/assertions'
import * as lambda from 'aws-cdk-lib/aws-lambda'
import { beforeAll, describe, expect, it } from 'vitest'
import { SECRET_IDS_VAR } from '../../shared/config/lambda-secrets'
import { FUNCTIONS, type FunctionName, REGIONS } from '../../shared/config/regions'
import { tableDefinition } from '../../shared/vellum/table-schema'
import { ROOT } from '../local/build'
import { buildApp } from './app'
import { type DeployConfig, loadDeployConfig, parseDeployConfig } from './deploy-config'
import {
  FUNCTION_SETTINGS,
  LOCAL_ONLY_SETTINGS,
  type SettingName,
  secretNames,
  TUNABLE_SETTINGS,
} from './function-settings'
import { EXAMPLE_CONFIG } from './synth'

type Resource = { Type: string; Properties: Record<string, unknown> }
const stub = () => lambda.Code.fromInline('export const handler = async () => 1')

/** The example configuration with every tunable setting set to its sample value. */
function fullConfig(): DeployConfig {
  const raw = JSON.parse(readFileSync(EXAMPLE_CONFIG, 'utf8')) as Record<string, unknown>
  raw.settings = Object.fromEntries(
    TUNABLE_SETTINGS.map((k) => [k, (FUNCTION_SETTINGS[k] as { sample: string }).sample])
  )
  return parseDeployConfig(raw)
}

let templates: Record<'a' | 'b' | 'table', Template>

beforeAll(() => {
  const { regions, table } = buildApp(fullConfig(), { code: stub })
  templates = {
    a: Template.fromStack(regions.a),
    b: Template.fromStack(regions.b),
    table: Template.fromStack(table),
  }
}, 120_000)

const cap = (s: string) => `${s[0]!.toUpperCase()}${s.slice(1)}`
const resources = (t: Template, type: string) =>
  Object.entries(t.findResources(type)) as [string, Resource][]
function fnOf(t: Template, fn: FunctionName): Resource {
  const hit = resources(t, 'AWS::Lambda::Function').find(([id]) =>
    id.startsWith(`${cap(fn)}Function`)
  )
  if (!hit) throw new Error(`no ${fn} function`)
  return hit[1]
}
const envOf = (t: Template, fn: FunctionName) =>
  (fnOf(t, fn).Properties.Environment as { Variables: Record<string, unknown> }).Variables
function statementsOf(t: Template, roleIdPrefix: string) {
  return resources(t, 'AWS::IAM::Policy')
    .filter(([id]) => id.startsWith(roleIdPrefix))
    .flatMap(
      ([, r]) => (r.Properties.PolicyDocument as { Statement: Record<string, unknown>[] }).Statement
    )
}
const asList = (v: unknown) => (Array.isArray(v) ? v : [v])

describe('regional stacks', () => {
  it('runs every function on Node 22 (or newer), arm64, in both regions', () => {
    for (const r of REGIONS)
      for (const fn of FUNCTIONS) {
        const p = fnOf(templates[r], fn).Properties
        expect(p.FunctionName).toBe(`edgewater-${fn}-${r}`)
        expect(String(p.Runtime)).toMatch(/^nodejs(2[2-9]|[3-9]\d)\.x$/)
        expect(p.Architectures).toEqual(['arm64'])
      }
  })

  it('grants both lambda:InvokeFunctionUrl and lambda:InvokeFunction (via the URL) on each function URL', () => {
    for (const r of REGIONS) {
      const t = templates[r]
      expect(resources(t, 'AWS::Lambda::Url')).toHaveLength(FUNCTIONS.length)
      for (const fn of FUNCTIONS) {
        const perms = resources(t, 'AWS::Lambda::Permission')
          .map(([, p]) => p.Properties)
          .filter((p) => JSON.stringify(p.FunctionName).includes(`${cap(fn)}Function`))
        expect(perms).toContainEqual(
          expect.objectContaining({
            Action: 'lambda:InvokeFunctionUrl',
            FunctionUrlAuthType: 'NONE',
            Principal: '*',
          })
        )
        expect(perms).toContainEqual(
          expect.objectContaining({
            Action: 'lambda:InvokeFunction',
            InvokedViaFunctionUrl: true,
            Principal: '*',
          })
        )
      }
      t.hasOutput('sproutUrl', {})
    }
  })

  it('uses no wildcard resource or action where a narrower one exists', () => {
    for (const r of REGIONS)
      for (const [, policy] of resources(templates[r], 'AWS::IAM::Policy')) {
        const doc = policy.Properties.PolicyDocument as { Statement: Record<string, unknown>[] }
        for (const s of doc.Statement) {
          for (const a of asList(s.Action)) expect(String(a)).not.toContain('*')
          for (const res of asList(s.Resource)) {
            expect(res).not.toBe('*')
            const text = JSON.stringify(res)
            // Only the table's indexes and the schedules of the one group are patterns.
            if (text.includes('*'))
              expect(text).toMatch(/(\/index\/\*|schedule\/edgewater-timers\/\*)"/)
          }
        }
      }
  })

  it('gives each function its own role: the table replica of its region, the Scheduler only where it sets timers, PassRole only for the Scheduler role', () => {
    const t = templates.a
    const roles = resources(t, 'AWS::IAM::Role').map(([id]) => id)
    for (const fn of FUNCTIONS)
      expect(roles.some((id) => id.startsWith(`${cap(fn)}Role`))).toBe(true)
    for (const fn of FUNCTIONS) {
      const role = fnOf(t, fn).Properties.Role as { 'Fn::GetAtt': string[] }
      expect(role['Fn::GetAtt'][0]).toMatch(new RegExp(`^${cap(fn)}Role`))
      const st = statementsOf(t, `${cap(fn)}RoleDefaultPolicy`)
      const table = st.find((s) => asList(s.Action).includes('dynamodb:GetItem'))
      expect(JSON.stringify(table?.Resource)).toContain('arn:aws:dynamodb:eu-west-1:')
      expect(JSON.stringify(table?.Resource)).not.toContain('eu-central-1')
      const sched = st.filter((s) => JSON.stringify(s.Action).includes('scheduler:'))
      const pass = st.filter((s) => JSON.stringify(s.Action).includes('iam:PassRole'))
      if (fn === 'homer' || fn === 'ellis') {
        expect(sched).toEqual([])
        expect(pass).toEqual([])
      } else {
        expect(sched).toHaveLength(1)
        expect(pass).toHaveLength(1)
        expect(JSON.stringify(pass[0]!.Resource)).toMatch(/SchedulerRole/)
      }
    }
  })

  it('has a Scheduler group, a role that invokes both regions’ timers, and a dead-letter queue every schedule names', () => {
    const t = templates.a
    t.hasResourceProperties('AWS::Scheduler::ScheduleGroup', { Name: 'edgewater-timers' })
    t.hasResourceProperties('AWS::SQS::Queue', { QueueName: 'edgewater-scheduler-dlq-a' })
    const st = statementsOf(t, 'SchedulerRoleDefaultPolicy')
    const invoke = JSON.stringify(st.find((s) => s.Action === 'lambda:InvokeFunction')?.Resource)
    expect(invoke).toContain('eu-west-1')
    expect(invoke).toContain('function:edgewater-timers-a')
    expect(invoke).toContain('eu-central-1')
    expect(invoke).toContain('function:edgewater-timers-b')
    const dlq = JSON.stringify(st.find((s) => s.Action === 'sqs:SendMessage')?.Resource)
    expect(dlq).toContain('edgewater-scheduler-dlq-a')
    expect(dlq).toContain('edgewater-scheduler-dlq-b')
    for (const fn of ['sprout', 'dime', 'timers'] as const) {
      expect(JSON.stringify(envOf(t, fn).SCHEDULER_DLQ_ARN)).toContain(
        'eu-west-1:",{"Ref":"AWS::AccountId"},":edgewater-scheduler-dlq-a'
      )
      expect(JSON.stringify(envOf(t, fn).SCHEDULER_REMOTE_DLQ_ARN)).toContain(
        'edgewater-scheduler-dlq-b'
      )
    }
  })

  it('keeps secrets out of environment variables: each function names only the secrets it reads', () => {
    for (const r of REGIONS) {
      const t = templates[r]
      for (const fn of FUNCTIONS) {
        const env = envOf(t, fn)
        for (const name of [...secretNames('core'), ...secretNames('ellis')])
          expect(env[name], `${fn}.${name}`).toBeUndefined()
        const ids = JSON.stringify(env[SECRET_IDS_VAR])
        expect(ids).toContain('CoreSecret')
        expect(ids.includes('EllisSecret')).toBe(fn === 'ellis')
        const st = statementsOf(t, `${cap(fn)}RoleDefaultPolicy`)
        const reads = st.filter((s) => asList(s.Action).includes('secretsmanager:GetSecretValue'))
        expect(JSON.stringify(reads).includes('EllisSecret')).toBe(fn === 'ellis')
      }
      t.hasResourceProperties('AWS::SecretsManager::Secret', { Name: `edgewater/${r}/core` })
      t.hasResourceProperties('AWS::SecretsManager::Secret', { Name: `edgewater/${r}/ellis` })
    }
  })

  it('sets log retention, reserved concurrency and the alarms', () => {
    const t = templates.b
    for (const fn of FUNCTIONS) {
      t.hasResourceProperties('AWS::Logs::LogGroup', {
        LogGroupName: `/aws/lambda/edgewater-${fn}-b`,
        RetentionInDays: 30,
      })
      expect(fnOf(t, fn).Properties.ReservedConcurrentExecutions).toBeGreaterThan(0)
      t.hasResourceProperties('AWS::CloudWatch::Alarm', {
        AlarmName: `edgewater-${fn}-b-errors`,
        MetricName: 'Errors',
      })
      t.hasResourceProperties('AWS::CloudWatch::Alarm', {
        AlarmName: `edgewater-${fn}-b-throttles`,
        MetricName: 'Throttles',
      })
    }
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'edgewater-timer-pop-lag-b',
      MetricName: 'ApproximateAgeOfOldestMessage',
    })
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'edgewater-replication-latency-b',
      MetricName: 'ReplicationLatency',
      Dimensions: Match.arrayWith([{ Name: 'ReceivingRegion', Value: 'eu-west-1' }]),
    })
  })
})

describe('function settings', () => {
  /** Every `NAME:` key of a zod schema, and every `'NAME'` read by name, in the config modules. */
  function settingsReadBy(file: string): string[] {
    const src = readFileSync(path.join(ROOT, file), 'utf8')
    const keys = [...src.matchAll(/^\s+([A-Z][A-Z0-9_]{2,}):/gm)].map((m) => m[1]!)
    const named = [...src.matchAll(/'([A-Z][A-Z0-9]+(?:_[A-Z0-9]+)+)'/g)].map((m) => m[1]!)
    return [...keys, ...named]
  }
  const configModules = () => {
    const found = [
      'shared/config/function-env.ts',
      'shared/homestead/homestead-config.ts',
      'shared/trace/trace-config.ts',
    ]
    const walk = (dir: string) => {
      for (const e of readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
        const rel = `${dir}/${e.name}`
        if (e.isDirectory()) walk(rel)
        else if (/(-config|request-limits)\.ts$/.test(e.name)) found.push(rel)
      }
    }
    walk('functions')
    return found
  }

  it('catalogues every setting the functions’ config modules read', () => {
    const known = new Set<string>([...Object.keys(FUNCTION_SETTINGS), ...LOCAL_ONLY_SETTINGS])
    const modules = configModules()
    expect(modules).toContain('functions/sprout/routing/routing-config.ts')
    const missing = modules.flatMap((f) =>
      settingsReadBy(f)
        .filter((k) => !known.has(k))
        .map((k) => `${f}: ${k}`)
    )
    expect(missing).toEqual([])
  })

  it('wires every setting to every function that reads it, and to no other', () => {
    for (const fn of FUNCTIONS) {
      const env = envOf(templates.a, fn)
      for (const [name, spec] of Object.entries(FUNCTION_SETTINGS) as [
        SettingName,
        (typeof FUNCTION_SETTINGS)[SettingName],
      ][]) {
        if (spec.kind === 'secret') continue
        expect(name in env, `${fn} ${name}`).toBe((spec.readers as string[]).includes(fn))
      }
    }
    const sprout = envOf(templates.b, 'sprout')
    expect(sprout.REGION).toBe('b')
    expect(sprout.KV_URL).toBe('https://eu-central-1-example.upstash.io')
    expect(sprout.KV_REMOTE_URL).toBe('https://eu-west-1-example.upstash.io')
    expect(sprout.SCHEDULER_REMOTE_REGION).toBe('eu-west-1')
    expect(sprout.ENUM_JSON).toBe('{"number_blocks":[]}')
    expect(envOf(templates.a, 'ellis').ELLIS_MAIL_WEBHOOK).toBe(
      'https://mail.example.com/edgewater'
    )
    for (const k of LOCAL_ONLY_SETTINGS) expect(sprout[k]).toBeUndefined()
  })

  it('refuses a value the function itself would refuse, naming the function and setting', () => {
    const raw = JSON.parse(readFileSync(EXAMPLE_CONFIG, 'utf8')) as Record<string, unknown>
    raw.settings = { BGCF_JSON: '{"routes":[{"route":["http://x"]}]}' }
    expect(() => buildApp(parseDeployConfig(raw), { code: stub })).toThrow(/sprout: .*BGCF_JSON/)
    raw.settings = { HOP_SECRET: 'x'.repeat(40) }
    expect(() => parseDeployConfig(raw)).toThrow(
      /settings\.HOP_SECRET: is set by the stack or is a secret/
    )
    raw.settings = { NO_SUCH_SETTING: '1' }
    expect(() => parseDeployConfig(raw)).toThrow(/not a setting any function reads/)
    raw.settings = {}
    raw.mailWebhook = 'http://mail.example.com/'
    expect(() => parseDeployConfig(raw)).toThrow(/mailWebhook: must be an https URL/)
  })

  it('fills defaults for everything but what only the operator knows', () => {
    const c = loadDeployConfig(EXAMPLE_CONFIG)
    expect(c.tableName).toBe('edgewater')
    expect(c.reservedConcurrency.sprout).toBe(200)
    expect(c.timeoutSeconds.timers).toBe(30)
    expect(() => parseDeployConfig({})).toThrow(/homeDomain.*edgeUrl.*kvUrls.*mailWebhook/)
  })
})

describe('global table stack', () => {
  it('builds the table from the local cloud’s definition, with a replica in both regions', () => {
    const [[, t]] = resources(templates.table, 'AWS::DynamoDB::GlobalTable') as [[string, Resource]]
    const local = tableDefinition('edgewater')
    const p = t.Properties
    expect(JSON.stringify(p.KeySchema)).toBe(
      JSON.stringify(
        local.KeySchema?.map((k) => ({ AttributeName: k.AttributeName, KeyType: k.KeyType }))
      )
    )
    expect((p.GlobalSecondaryIndexes as { IndexName: string }[]).map((g) => g.IndexName)).toEqual(
      local.GlobalSecondaryIndexes?.map((g) => g.IndexName)
    )
    expect((p.Replicas as { Region: string }[]).map((r) => r.Region)).toEqual([
      'eu-west-1',
      'eu-central-1',
    ])
    expect(p.MultiRegionConsistency).toBe('EVENTUAL')
    expect(p.TimeToLiveSpecification).toEqual({ AttributeName: 'ttl', Enabled: true })
  })

  it('deploys MRSC with a witness in a third region when table.consistency is strong', () => {
    const c = fullConfig()
    c.table = { consistency: 'strong', witnessRegion: 'eu-west-2' }
    const t = Template.fromStack(buildApp(c, { code: stub }).table)
    const [[, r]] = resources(t, 'AWS::DynamoDB::GlobalTable') as [[string, Resource]]
    expect(r.Properties.MultiRegionConsistency).toBe('STRONG')
    expect(r.Properties.GlobalTableWitnesses).toEqual([{ Region: 'eu-west-2' }])
    expect(r.Properties.TimeToLiveSpecification).toBeUndefined()
  }, 120_000)

  it('refuses strong consistency without a witness region, or with one of the two regions', () => {
    const raw = JSON.parse(readFileSync(EXAMPLE_CONFIG, 'utf8')) as Record<string, unknown>
    expect(() => parseDeployConfig({ ...raw, table: { consistency: 'strong' } })).toThrow(
      /witnessRegion/
    )
    const c = fullConfig()
    c.table = { consistency: 'strong', witnessRegion: c.awsRegions.b }
    expect(() => buildApp(c, { code: stub })).toThrow(/third AWS region/)
  }, 120_000)
})
