/**
 * @module global-table-stack
 * The DynamoDB global table with a replica in each region, from the same physical definition
 * the local cloud creates (shared/vellum/table-schema.ts), so the two cannot drift.
 */
import type { Region } from '../../shared/config/regions'
import { TTL_ATTRIBUTE, tableDefinition } from '../../shared/vellum/table-schema'

export function globalTableStack(
  tableName: string,
  awsRegions: Record<Region, string>
): Record<string, unknown> {
  const def = tableDefinition(tableName)
  return {
    AWSTemplateFormatVersion: '2010-09-09',
    Description: 'Edgewater global table (deploy once, in region a)',
    Resources: {
      Table: {
        Type: 'AWS::DynamoDB::GlobalTable',
        Properties: {
          TableName: tableName,
          BillingMode: def.BillingMode,
          AttributeDefinitions: def.AttributeDefinitions,
          KeySchema: def.KeySchema,
          GlobalSecondaryIndexes: def.GlobalSecondaryIndexes,
          StreamSpecification: { StreamViewType: def.StreamSpecification?.StreamViewType },
          TimeToLiveSpecification: { AttributeName: TTL_ATTRIBUTE, Enabled: true },
          Replicas: Object.values(awsRegions).map((Region) => ({
            Region,
            PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
          })),
        },
      },
    },
  }
}
