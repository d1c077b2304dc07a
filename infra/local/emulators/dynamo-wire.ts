/**
 * @module dynamo-wire
 * The local table's own client of a DynamoDB Local instance (the replicator and the TTL sweep:
 * table-replicator.ts, ttl-sweep.ts): DynamoDB's JSON protocol (`POST /`, `X-Amz-Target:
 * DynamoDB_20120810.<operation>`, `application/x-amz-json-1.0`) over persistent raw connections
 * (lean-forward.ts). Every item written in the local table is copied to the other replica
 * through it, and the AWS SDK's client (its middleware stack, SigV4 signing, schema-driven
 * (de)serialisation and `node:http` handler) cost the local cloud's Node process more per copy
 * than the copy itself (docs/performance.md). DynamoDB Local checks that a request names an
 * access key and region, not its signature: each request carries a fixed `Authorization` in the
 * SigV4 form (`-sharedDb`: one database whatever the key).
 *
 * An error answer (4xx/5xx) becomes a {@link DynamoWireError} named after its `__type` (as the
 * SDK names its exceptions: `ResourceNotFoundException`, `ConditionalCheckFailedException`).
 */
import { LeanForwarder } from '../lean-forward'

/** One DynamoDB operation on a replica: the operation's name and its JSON input. */
export interface ReplicaClient {
  send(op: string, input: Record<string, unknown>): Promise<Record<string, unknown>>
}

export class DynamoWireError extends Error {
  constructor(
    override readonly name: string,
    message: string,
    readonly status: number
  ) {
    super(message)
  }
}

const TARGET_PREFIX = 'DynamoDB_20120810.'

/** A {@link ReplicaClient} over the JSON protocol to the instance on `port`. */
export class DynamoWire implements ReplicaClient {
  private readonly upstream: LeanForwarder
  private readonly auth: string

  constructor(port: number, awsRegion = 'local-a', host = '127.0.0.1') {
    this.upstream = new LeanForwarder(host, port)
    this.auth = `AWS4-HMAC-SHA256 Credential=local/20000101/${awsRegion}/dynamodb/aws4_request, SignedHeaders=host;x-amz-target, Signature=0`
  }

  async send(op: string, input: Record<string, unknown>): Promise<Record<string, unknown>> {
    const answer = await this.upstream.send({
      method: 'POST',
      path: '/',
      headers: [
        ['x-amz-target', `${TARGET_PREFIX}${op}`],
        ['content-type', 'application/x-amz-json-1.0'],
        ['authorization', this.auth],
      ],
      body: Buffer.from(JSON.stringify(input)),
    })
    const text = answer.body.toString('utf8')
    const out = (text ? JSON.parse(text) : {}) as Record<string, unknown>
    if (answer.status >= 300) {
      const type = String(out.__type ?? `HTTP${answer.status}`)
      const name = type.slice(type.lastIndexOf('#') + 1)
      throw new DynamoWireError(name, String(out.Message ?? out.message ?? type), answer.status)
    }
    return out
  }

  /** Closes the pooled connections. */
  close(): void {
    this.upstream.close()
  }
}
