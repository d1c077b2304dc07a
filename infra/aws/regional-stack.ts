/**
 * @module infra/aws/regional-stack
 * One region's stack: the five functions (Node 22, arm64) behind function URLs, one
 * least-privilege role each, the EventBridge Scheduler group with its role and dead-letter queue,
 * the region's secrets (read once per cold start, never plain environment variables), log
 * groups with retention, reserved concurrency, CloudWatch alarms, and the dashboard with the
 * alarms on Edgewater's own metrics (observability.ts).
 *
 * Function URLs use AuthType NONE: the edge runs on Cloudflare, where SigV4 would need a
 * long-lived IAM access key stored in the worker. Instead every internal endpoint checks the
 * trusted-zone HMAC signature (docs/internal-hop.md) before any handler runs. Since October 2025
 * a public function URL needs both `lambda:InvokeFunctionUrl` and `lambda:InvokeFunction`
 * (the latter only via the URL): both are granted.
 */
import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib'
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch'
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions'
import * as iam from 'aws-cdk-lib/aws-iam'
import * as lambda from 'aws-cdk-lib/aws-lambda'
import * as logs from 'aws-cdk-lib/aws-logs'
import * as scheduler from 'aws-cdk-lib/aws-scheduler'
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager'
import * as sns from 'aws-cdk-lib/aws-sns'
import * as subs from 'aws-cdk-lib/aws-sns-subscriptions'
import * as sqs from 'aws-cdk-lib/aws-sqs'
import type { Construct } from 'constructs'
import { SECRET_IDS_VAR } from '../../shared/config/lambda-secrets'
import {
  FUNCTIONS,
  type FunctionName,
  peerOf,
  REGIONS,
  type Region,
} from '../../shared/config/regions'
import { type DeployConfig, functionUrlsOf } from './deploy-config'
import { readsSetting, type SettingName } from './function-settings'
import { Observability } from './observability'

/** Functions that create and delete schedules (Vellum's timer service). */
export const SCHEDULER_USERS: readonly FunctionName[] = ['sprout', 'dime', 'timers']
/** The table operations Vellum's DynamoDB adapter makes (shared/vellum/table-dynamo.ts). */
export const TABLE_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:Query',
  'dynamodb:DescribeTable',
  'dynamodb:ConditionCheckItem',
] as const

export interface RegionalStackProps extends StackProps {
  region: Region
  config: DeployConfig
  /** The bundled Lambda code: dist/lambda/<fn>/ (infra/local/build.ts). */
  code: (fn: FunctionName) => lambda.Code
}

export const functionName = (c: DeployConfig, fn: FunctionName, r: Region) =>
  `${c.prefix}-${fn}-${r}`
export const stackName = (c: DeployConfig, r: Region) => `${c.prefix}-region-${r}`
export const secretName = (c: DeployConfig, r: Region, group: 'core' | 'ellis') =>
  `${c.prefix}/${r}/${group}`
/** The secrets' digest on every function (deploy-config.ts `secretsVersion`). */
export const SECRETS_VERSION_VAR = 'EDGEWATER_SECRETS_VERSION'
export const urlOutput = (fn: FunctionName) => `${fn}Url`
export const dlqName = (c: DeployConfig, r: Region) => `${c.prefix}-scheduler-dlq-${r}`
export const dlqArn = (c: DeployConfig, r: Region, account: string) =>
  `arn:aws:sqs:${c.awsRegions[r]}:${account}:${dlqName(c, r)}`
export const timersArn = (c: DeployConfig, r: Region, account: string) =>
  `arn:aws:lambda:${c.awsRegions[r]}:${account}:function:${functionName(c, 'timers', r)}`

/** The non-secret environment of `fn` in region `r`. */
export function functionEnvironment(
  c: DeployConfig,
  r: Region,
  fn: FunctionName,
  schedulerRoleArn: string,
  secretArns: string,
  account: string
): Record<string, string> {
  const peer = peerOf(r)
  const derived: Partial<Record<SettingName, string>> = {
    REGION: r,
    HOME_DOMAIN: c.homeDomain,
    FUNCTION_URLS: JSON.stringify(functionUrlsOf(c)),
    EDGE_URL: c.edgeUrl,
    KV_URL: c.kvUrls[r],
    KV_REMOTE_URL: c.kvUrls[peer],
    DYNAMO_TABLE: c.tableName,
    DYNAMO_REGION: c.awsRegions[r],
    SCHEDULER_REGION: c.awsRegions[r],
    SCHEDULER_REMOTE_REGION: c.awsRegions[peer],
    SCHEDULER_GROUP: c.schedulerGroup,
    SCHEDULER_ROLE_ARN: schedulerRoleArn,
    TIMERS_TARGET_ARN: timersArn(c, r, account),
    TIMERS_REMOTE_TARGET_ARN: timersArn(c, peer, account),
    SCHEDULER_DLQ_ARN: dlqArn(c, r, account),
    SCHEDULER_REMOTE_DLQ_ARN: dlqArn(c, peer, account),
    ELLIS_MAIL_WEBHOOK: c.mailWebhook,
  }
  const env: Record<string, string> = { [SECRET_IDS_VAR]: secretArns }
  if (c.secretsVersion) env[SECRETS_VERSION_VAR] = c.secretsVersion
  for (const [k, v] of Object.entries(derived) as [SettingName, string][])
    if (readsSetting(fn, k)) env[k] = v
  for (const [k, v] of Object.entries(c.settings) as [SettingName, string][])
    if (readsSetting(fn, k)) env[k] = v
  return env
}

export class RegionalStack extends Stack {
  readonly functions: Record<FunctionName, lambda.Function>
  readonly urls: Record<FunctionName, lambda.FunctionUrl>

  constructor(scope: Construct, id: string, props: RegionalStackProps) {
    super(scope, id, props)
    const { config: c, region: r } = props
    const peer = peerOf(r)
    const account = this.account

    // Secrets: one for every function, one for Ellis alone (docs/deploy.md, "Secrets").
    const secrets = {
      core: new secretsmanager.Secret(this, 'CoreSecret', {
        secretName: secretName(c, r, 'core'),
        description: 'Edgewater secrets of every function (JSON; put by npm run deploy)',
        removalPolicy: RemovalPolicy.RETAIN,
      }),
      ellis: new secretsmanager.Secret(this, 'EllisSecret', {
        secretName: secretName(c, r, 'ellis'),
        description: 'Edgewater secrets of Ellis only (JSON; put by npm run deploy)',
        removalPolicy: RemovalPolicy.RETAIN,
      }),
    }

    // Scheduler: its group, the role it assumes to invoke both regions' timers (a backup
    // schedule here targets the other region), and a DLQ for pops it could not deliver.
    new scheduler.CfnScheduleGroup(this, 'ScheduleGroup', { name: c.schedulerGroup })
    const dlq = new sqs.Queue(this, 'SchedulerDlq', {
      queueName: dlqName(c, r),
      retentionPeriod: Duration.days(14),
      enforceSSL: true,
    })
    const schedulerRole = new iam.Role(this, 'SchedulerRole', {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': account } },
      }),
      description: 'EventBridge Scheduler: invoke the timers functions, dead-letter to the DLQ',
    })
    schedulerRole.addToPolicy(
      new iam.PolicyStatement({
        actions: ['lambda:InvokeFunction'],
        resources: REGIONS.map((region) => timersArn(c, region, account)),
      })
    )
    // Both regions' DLQs: a backup schedule in the other region dead-letters there.
    schedulerRole.addToPolicy(
      new iam.PolicyStatement({
        actions: ['sqs:SendMessage'],
        resources: REGIONS.map((region) => dlqArn(c, region, account)),
      })
    )

    const schedulesIn = (region: Region) => [
      `arn:aws:scheduler:${c.awsRegions[region]}:${account}:schedule/${c.schedulerGroup}/*`,
    ]
    const secretArns = (fn: FunctionName) =>
      [secrets.core.secretArn, ...(fn === 'ellis' ? [secrets.ellis.secretArn] : [])].join(',')

    const topic = new sns.Topic(this, 'Alarms', { topicName: `${c.prefix}-alarms-${r}` })
    for (const email of c.alarms.email) topic.addSubscription(new subs.EmailSubscription(email))
    const alarm = (a: cloudwatch.Alarm) => a.addAlarmAction(new actions.SnsAction(topic))

    this.functions = {} as Record<FunctionName, lambda.Function>
    this.urls = {} as Record<FunctionName, lambda.FunctionUrl>
    for (const fn of FUNCTIONS) {
      const name = functionName(c, fn, r)
      const role = new iam.Role(this, `${cap(fn)}Role`, {
        roleName: `${name}-${c.awsRegions[r]}`,
        assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
        description: `Edgewater ${fn} in region ${r}: only what ${fn} does`,
      })
      const logGroup = new logs.LogGroup(this, `${cap(fn)}Logs`, {
        logGroupName: `/aws/lambda/${name}`,
        retention: c.logRetentionDays as logs.RetentionDays,
        removalPolicy: RemovalPolicy.DESTROY,
      })
      logGroup.grantWrite(role)
      // The global table's replica in this region, and its indexes.
      const table = `arn:aws:dynamodb:${c.awsRegions[r]}:${account}:table/${c.tableName}`
      role.addToPolicy(
        new iam.PolicyStatement({
          actions: [...TABLE_ACTIONS],
          resources: [table, `${table}/index/*`],
        })
      )
      if (SCHEDULER_USERS.includes(fn)) {
        role.addToPolicy(
          new iam.PolicyStatement({
            actions: ['scheduler:CreateSchedule', 'scheduler:DeleteSchedule'],
            resources: REGIONS.flatMap((region) => schedulesIn(region)),
          })
        )
        role.addToPolicy(
          new iam.PolicyStatement({
            actions: ['iam:PassRole'],
            resources: [schedulerRole.roleArn],
            conditions: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
          })
        )
      }
      secrets.core.grantRead(role)
      if (fn === 'ellis') secrets.ellis.grantRead(role)

      const f = new lambda.Function(this, `${cap(fn)}Function`, {
        functionName: name,
        runtime: lambda.Runtime.NODEJS_22_X,
        architecture: lambda.Architecture.ARM_64,
        handler: 'index.handler',
        code: props.code(fn),
        role,
        memorySize: c.memoryMb[fn],
        timeout: Duration.seconds(c.timeoutSeconds[fn]),
        reservedConcurrentExecutions: c.reservedConcurrency[fn],
        logGroup,
        environment: {
          ...functionEnvironment(c, r, fn, schedulerRole.roleArn, secretArns(fn), account),
          NODE_OPTIONS: '--enable-source-maps',
        },
      })
      const url = f.addFunctionUrl({ authType: lambda.FunctionUrlAuthType.NONE })
      this.functions[fn] = f
      this.urls[fn] = url
      new CfnOutput(this, urlOutput(fn), { value: url.url })

      alarm(
        new cloudwatch.Alarm(this, `${cap(fn)}Errors`, {
          alarmName: `${name}-errors`,
          metric: f.metricErrors({ period: Duration.minutes(5) }),
          threshold: c.alarms.errorsPer5Min,
          evaluationPeriods: 1,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        })
      )
      alarm(
        new cloudwatch.Alarm(this, `${cap(fn)}Throttles`, {
          alarmName: `${name}-throttles`,
          metric: f.metricThrottles({ period: Duration.minutes(5) }),
          threshold: 1,
          evaluationPeriods: 1,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        })
      )
    }

    // The dashboard and the alarms on Edgewater's own metrics (EMF; infra/aws/observability.ts).
    new Observability(this, 'Observability', { config: c, region: r, notify: alarm })

    // Timer-pop lag: a pop the Scheduler could not deliver waits in the DLQ; its age is the lag.
    alarm(
      new cloudwatch.Alarm(this, 'TimerPopLag', {
        alarmName: `${c.prefix}-timer-pop-lag-${r}`,
        metric: dlq.metricApproximateAgeOfOldestMessage({ period: Duration.minutes(1) }),
        threshold: c.alarms.timerPopLagSeconds,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      })
    )
    // Replication latency of the global table from this region to the other one.
    alarm(
      new cloudwatch.Alarm(this, 'ReplicationLatency', {
        alarmName: `${c.prefix}-replication-latency-${r}`,
        metric: new cloudwatch.Metric({
          namespace: 'AWS/DynamoDB',
          metricName: 'ReplicationLatency',
          dimensionsMap: { TableName: c.tableName, ReceivingRegion: c.awsRegions[peer] },
          statistic: 'Maximum',
          period: Duration.minutes(5),
        }),
        threshold: c.alarms.replicationLatencyMs,
        evaluationPeriods: 2,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      })
    )
  }
}

const cap = (s: string) => `${s[0]!.toUpperCase()}${s.slice(1)}`
