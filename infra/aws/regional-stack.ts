/**
 * @module regional-stack
 * The CloudFormation template of one region: the five functions as Lambda (Node 20) behind
 * function URLs, their IAM role (the global table, the Scheduler group, passing the Scheduler
 * role), the Scheduler role that may invoke the timers function, and the Scheduler group.
 * Function URLs use AuthType NONE because every internal endpoint checks the trusted-zone HMAC
 * signature itself (architecture §3); the edge and the other region reach them over HTTPS.
 */
import { FUNCTION_ENV_KEYS, OPTIONAL_FUNCTION_ENV_KEYS } from '../../shared/config/function-env'
import { FUNCTIONS, type FunctionName, peerOf, type Region } from '../../shared/config/regions'

export interface RegionalStackOptions {
  region: Region
  /** AWS region names of a and b, e.g. { a: 'eu-west-1', b: 'eu-central-1' }. */
  awsRegions: Record<Region, string>
  tableName: string
  schedulerGroup: string
}

type Json = Record<string, unknown>

const fnLogical = (fn: FunctionName) => `${fn[0]!.toUpperCase()}${fn.slice(1)}Function`
const sub = (s: string) => ({ 'Fn::Sub': s })
const ref = (r: string) => ({ Ref: r })

/** Parameters set at deploy time (secrets NoEcho); everything else is derived in the template. */
export const PARAMETERS: Record<string, Json> = {
  CodeBucket: { Type: 'String', Description: 'S3 bucket holding dist/lambda/<fn>.zip' },
  CodePrefix: { Type: 'String', Default: 'edgewater/', Description: 'key prefix of the zips' },
  // Secrets (shared/config/secrets.ts): at least 32 bytes each, one per purpose; a `…Previous`
  // value is still accepted while its secret is rotated (empty when no rotation is under way).
  HopSecret: { Type: 'String', NoEcho: true, MinLength: 32, Description: 'trusted-zone HMAC key' },
  HopSecretPrevious: {
    Type: 'String',
    NoEcho: true,
    Default: '',
    Description: 'the trusted-zone key being rotated out (verifies only)',
  },
  HomeDomain: { Type: 'String', Description: 'SIP home domain' },
  EdgeUrl: { Type: 'String', Description: 'the edge worker URL (Cloudflare)' },
  FunctionUrls: {
    Type: 'String',
    Description: 'JSON {a:{sprout,…},b:{…}} from both stacks’ outputs',
  },
  KvUrl: { Type: 'String', Description: 'Upstash REST URL of this region’s database' },
  KvToken: { Type: 'String', NoEcho: true },
  KvRemoteUrl: { Type: 'String', Description: 'Upstash REST URL of the other region’s database' },
  KvRemoteToken: { Type: 'String', NoEcho: true },
  SignupCode: { Type: 'String', NoEcho: true },
  EllisApiKey: { Type: 'String', NoEcho: true, MinLength: 32 },
  EllisCookieSecret: {
    Type: 'String',
    NoEcho: true,
    MinLength: 32,
    Description: 'key of Ellis session cookies',
  },
  EllisCookieSecretPrevious: {
    Type: 'String',
    NoEcho: true,
    Default: '',
    Description: 'the cookie key being rotated out (verifies only)',
  },
  // Ellis's mail path (functions/ellis/mail-config.ts): recovery links go only to this relay.
  MailWebhook: {
    Type: 'String',
    AllowedPattern: '^https://.+',
    Description: 'HTTPS relay that receives Ellis recovery mail as signed JSON',
  },
  MailWebhookSecret: {
    Type: 'String',
    NoEcho: true,
    MinLength: 32,
    Description: 'key that signs each mail webhook delivery (not the hop secret)',
  },
}

export function functionEnvironment(o: RegionalStackOptions): Record<string, unknown> {
  const peer = peerOf(o.region)
  const timersArn = (r: Region) =>
    `arn:aws:lambda:${o.awsRegions[r]}:\${AWS::AccountId}:function:edgewater-timers-${r}`
  return {
    REGION: o.region,
    HOME_DOMAIN: ref('HomeDomain'),
    HOP_SECRET: ref('HopSecret'),
    HOP_SECRET_PREVIOUS: ref('HopSecretPrevious'),
    FUNCTION_URLS: ref('FunctionUrls'),
    EDGE_URL: ref('EdgeUrl'),
    KV_URL: ref('KvUrl'),
    KV_TOKEN: ref('KvToken'),
    KV_REMOTE_URL: ref('KvRemoteUrl'),
    KV_REMOTE_TOKEN: ref('KvRemoteToken'),
    DYNAMO_TABLE: o.tableName,
    DYNAMO_REGION: o.awsRegions[o.region],
    SCHEDULER_REGION: o.awsRegions[o.region],
    SCHEDULER_REMOTE_REGION: o.awsRegions[peer],
    SCHEDULER_GROUP: o.schedulerGroup,
    SCHEDULER_ROLE_ARN: { 'Fn::GetAtt': ['SchedulerRole', 'Arn'] },
    TIMERS_TARGET_ARN: sub(timersArn(o.region)),
    TIMERS_REMOTE_TARGET_ARN: sub(timersArn(peer)),
    SIGNUP_CODE: ref('SignupCode'),
    ELLIS_API_KEY: ref('EllisApiKey'),
    ELLIS_COOKIE_SECRET: ref('EllisCookieSecret'),
    ELLIS_COOKIE_SECRET_PREVIOUS: ref('EllisCookieSecretPrevious'),
    ELLIS_MAIL_WEBHOOK: ref('MailWebhook'),
    ELLIS_MAIL_WEBHOOK_SECRET: ref('MailWebhookSecret'),
  }
}

export function regionalStack(o: RegionalStackOptions): Json {
  const resources: Json = {
    FunctionRole: {
      Type: 'AWS::IAM::Role',
      Properties: {
        AssumeRolePolicyDocument: {
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Principal: { Service: 'lambda.amazonaws.com' },
              Action: 'sts:AssumeRole',
            },
          ],
        },
        ManagedPolicyArns: ['arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole'],
        Policies: [
          {
            PolicyName: 'edgewater-stores',
            PolicyDocument: {
              Version: '2012-10-17',
              Statement: [
                {
                  Effect: 'Allow',
                  Action: [
                    'dynamodb:GetItem',
                    'dynamodb:PutItem',
                    'dynamodb:UpdateItem',
                    'dynamodb:DeleteItem',
                    'dynamodb:Query',
                    'dynamodb:BatchGetItem',
                    'dynamodb:BatchWriteItem',
                    'dynamodb:ConditionCheckItem',
                    'dynamodb:DescribeTable',
                  ],
                  Resource: [
                    sub(`arn:aws:dynamodb:\${AWS::Region}:\${AWS::AccountId}:table/${o.tableName}`),
                    sub(
                      `arn:aws:dynamodb:\${AWS::Region}:\${AWS::AccountId}:table/${o.tableName}/index/*`
                    ),
                  ],
                },
                {
                  Effect: 'Allow',
                  Action: [
                    'scheduler:CreateSchedule',
                    'scheduler:GetSchedule',
                    'scheduler:DeleteSchedule',
                    'scheduler:UpdateSchedule',
                    'scheduler:ListSchedules',
                  ],
                  Resource: '*',
                },
                {
                  Effect: 'Allow',
                  Action: 'iam:PassRole',
                  Resource: { 'Fn::GetAtt': ['SchedulerRole', 'Arn'] },
                },
              ],
            },
          },
        ],
      },
    },
    SchedulerRole: {
      Type: 'AWS::IAM::Role',
      Properties: {
        AssumeRolePolicyDocument: {
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Principal: { Service: 'scheduler.amazonaws.com' },
              Action: 'sts:AssumeRole',
            },
          ],
        },
        Policies: [
          {
            PolicyName: 'invoke-timers',
            PolicyDocument: {
              Version: '2012-10-17',
              Statement: [
                {
                  Effect: 'Allow',
                  Action: 'lambda:InvokeFunction',
                  // Both regions' timers: a backup schedule here targets the other region's function.
                  Resource: (['a', 'b'] as const).map((r) =>
                    sub(
                      `arn:aws:lambda:${o.awsRegions[r]}:\${AWS::AccountId}:function:edgewater-timers-${r}`
                    )
                  ),
                },
              ],
            },
          },
        ],
      },
    },
    ScheduleGroup: {
      Type: 'AWS::Scheduler::ScheduleGroup',
      Properties: { Name: o.schedulerGroup },
    },
  }
  const outputs: Json = {}
  for (const fn of FUNCTIONS) {
    const logical = fnLogical(fn)
    resources[logical] = {
      Type: 'AWS::Lambda::Function',
      Properties: {
        FunctionName: `edgewater-${fn}-${o.region}`,
        Runtime: 'nodejs20.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
        MemorySize: fn === 'ellis' ? 1024 : 512,
        Timeout: fn === 'timers' ? 30 : 10,
        Role: { 'Fn::GetAtt': ['FunctionRole', 'Arn'] },
        Code: { S3Bucket: ref('CodeBucket'), S3Key: sub(`\${CodePrefix}${fn}.zip`) },
        Environment: { Variables: functionEnvironment(o) },
      },
    }
    resources[`${logical}Url`] = {
      Type: 'AWS::Lambda::Url',
      Properties: { TargetFunctionArn: { 'Fn::GetAtt': [logical, 'Arn'] }, AuthType: 'NONE' },
    }
    resources[`${logical}UrlPermission`] = {
      Type: 'AWS::Lambda::Permission',
      Properties: {
        FunctionName: ref(logical),
        Action: 'lambda:InvokeFunctionUrl',
        Principal: '*',
        FunctionUrlAuthType: 'NONE',
      },
    }
    outputs[`${logical}Url`] = { Value: { 'Fn::GetAtt': [`${logical}Url`, 'FunctionUrl'] } }
  }
  return {
    AWSTemplateFormatVersion: '2010-09-09',
    Description: `Edgewater functions, region ${o.region} (${o.awsRegions[o.region]})`,
    Parameters: PARAMETERS,
    Resources: resources,
    Outputs: outputs,
  }
}

/** Settings the functions need that the stack does not set: must be only optional ones. */
export function unsetRequiredSettings(o: RegionalStackOptions): string[] {
  const set = new Set(Object.keys(functionEnvironment(o)))
  return FUNCTION_ENV_KEYS.filter((k) => !set.has(k) && !OPTIONAL_FUNCTION_ENV_KEYS.includes(k))
}
