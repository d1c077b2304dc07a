/**
 * @module infra/aws/global-table-stack
 * The DynamoDB global table, deployed from region a with a replica in both regions, from the same
 * physical definition the local cloud creates (shared/vellum/table-schema.ts), so the two cannot
 * drift. By default multi-Region eventual consistency (MREC: last writer wins,
 * docs/geo-redundancy.md): both regions stay writable when the other is lost, which the
 * geo-redundancy design relies on. `table.consistency: "strong"` deploys it as MRSC with a
 * witness in a third region instead; MRSC has no TTL deletion (verify against the current AWS
 * documentation at deploy time), so the stack leaves TTL off in that mode.
 */
import { RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib'
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb'
import type { Construct } from 'constructs'
import { REGIONS } from '../../shared/config/regions'
import { TTL_ATTRIBUTE, tableDefinition } from '../../shared/vellum/table-schema'
import type { DeployConfig } from './deploy-config'

export const globalTableStackName = (c: DeployConfig) => `${c.prefix}-global-table`

export class GlobalTableStack extends Stack {
  constructor(scope: Construct, id: string, props: StackProps & { config: DeployConfig }) {
    super(scope, id, props)
    const c = props.config
    const def = tableDefinition(c.tableName)
    const strong = c.table.consistency === 'strong'
    if (strong && Object.values(c.awsRegions).includes(c.table.witnessRegion!))
      throw new Error('table.witnessRegion must be a third AWS region, not region a or b')
    const table = new dynamodb.CfnGlobalTable(this, 'Table', {
      tableName: c.tableName,
      billingMode: def.BillingMode,
      attributeDefinitions: (def.AttributeDefinitions ?? []).map((a) => ({
        attributeName: a.AttributeName!,
        attributeType: a.AttributeType!,
      })),
      keySchema: (def.KeySchema ?? []).map((k) => ({
        attributeName: k.AttributeName!,
        keyType: k.KeyType!,
      })),
      globalSecondaryIndexes: (def.GlobalSecondaryIndexes ?? []).map((g) => ({
        indexName: g.IndexName!,
        keySchema: (g.KeySchema ?? []).map((k) => ({
          attributeName: k.AttributeName!,
          keyType: k.KeyType!,
        })),
        projection: { projectionType: g.Projection?.ProjectionType },
      })),
      streamSpecification: { streamViewType: def.StreamSpecification!.StreamViewType! },
      ...(strong
        ? {
            multiRegionConsistency: 'STRONG',
            globalTableWitnesses: [{ region: c.table.witnessRegion }],
          }
        : {
            multiRegionConsistency: 'EVENTUAL',
            timeToLiveSpecification: { attributeName: TTL_ATTRIBUTE, enabled: true },
          }),
      replicas: REGIONS.map((r) => ({
        region: c.awsRegions[r],
        pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
        deletionProtectionEnabled: true,
      })),
    })
    table.applyRemovalPolicy(RemovalPolicy.RETAIN)
  }
}
