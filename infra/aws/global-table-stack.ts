/**
 * @module infra/aws/global-table-stack
 * The DynamoDB global table, deployed from region a with a replica in both regions, from the same
 * physical definition the local cloud creates (shared/vellum/table-schema.ts), so the two cannot
 * drift. Multi-region eventual consistency (last writer wins, docs/global-table.md): both regions
 * stay writable when the other is lost, which the geo-redundancy design relies on.
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
      timeToLiveSpecification: { attributeName: TTL_ATTRIBUTE, enabled: true },
      multiRegionConsistency: 'EVENTUAL',
      replicas: REGIONS.map((r) => ({
        region: c.awsRegions[r],
        pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
        deletionProtectionEnabled: true,
      })),
    })
    table.applyRemovalPolicy(RemovalPolicy.RETAIN)
  }
}
