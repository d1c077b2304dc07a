/**
 * @module clients
 * The only place the storage SDKs are constructed. Functions call {@link createStoreClients}
 * from their composition root with their parsed configuration; everything else in the code
 * sees Vellum's interfaces, never an SDK.
 */
import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb'
import { SchedulerClient } from '@aws-sdk/client-scheduler'
import { Redis } from '@upstash/redis/cloudflare'
import type { FunctionEnv } from '../config/function-env'

export interface StoreClients {
  kvLocal: Redis
  kvRemote: Redis
  dynamo: DynamoDBClient
  schedulerLocal: SchedulerClient
  schedulerRemote: SchedulerClient
  tableName: string
}

export function createRedis(url: string, token: string): Redis {
  // No client-side retries: the dual-write layer decides what a failure means (fall back,
  // count, repair) and a dead region must cost one failed call, not five back-offs.
  // Plain JSON answers (no `Upstash-Encoding: base64`): every value Vellum stores is JSON text,
  // so decoding base64 in JavaScript on each answer would buy nothing. Auto-pipelining stays on:
  // commands issued together (a call's parallel reads) share one REST round trip.
  return new Redis({ url, token, retry: false, enableTelemetry: false, responseEncoding: false })
}

/**
 * Middleware a store client runs per request for nothing Vellum uses: the logger's (it filters
 * every input and output for sensitive fields to log them, and no logger is given) and the
 * user-agent's (it builds the `x-amz-user-agent` header afresh). Serialisation, the host header,
 * recursion detection, retries (`maxAttempts`), SigV4 signing and deserialisation stay.
 */
export const TRIMMED_MIDDLEWARE = ['loggerMiddleware', 'getUserAgentMiddleware'] as const

/** A DynamoDB client built once per isolate, with {@link TRIMMED_MIDDLEWARE} removed. */
export function createDynamo(config: DynamoDBClientConfig) {
  const client = new DynamoDBClient(config)
  for (const name of TRIMMED_MIDDLEWARE) client.middlewareStack.remove(name)
  return client
}

function awsCredentials(env: FunctionEnv) {
  return env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY
    ? { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY }
    : undefined
}

export function createStoreClients(env: FunctionEnv): StoreClients {
  const credentials = awsCredentials(env)
  const common = { ...(credentials ? { credentials } : {}), maxAttempts: 2 }
  return {
    kvLocal: createRedis(env.KV_URL, env.KV_TOKEN),
    kvRemote: createRedis(env.KV_REMOTE_URL, env.KV_REMOTE_TOKEN),
    dynamo: createDynamo({
      region: env.DYNAMO_REGION,
      ...(env.DYNAMO_ENDPOINT ? { endpoint: env.DYNAMO_ENDPOINT } : {}),
      ...common,
    }),
    schedulerLocal: new SchedulerClient({
      region: env.SCHEDULER_REGION,
      ...(env.SCHEDULER_ENDPOINT ? { endpoint: env.SCHEDULER_ENDPOINT } : {}),
      ...common,
    }),
    schedulerRemote: new SchedulerClient({
      region: env.SCHEDULER_REMOTE_REGION,
      ...(env.SCHEDULER_REMOTE_ENDPOINT ? { endpoint: env.SCHEDULER_REMOTE_ENDPOINT } : {}),
      ...common,
    }),
    tableName: env.DYNAMO_TABLE,
  }
}
