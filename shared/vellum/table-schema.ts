/**
 * @module table-schema
 * The global table's physical shape: one table, generic keys, two generic indexes and a TTL
 * attribute (single-table design; the logical item types and access patterns are documented in
 * docs/global-table.md). The local cloud creates exactly this; infra/aws declares the same.
 *
 * Both indexes project whole items: Homestead, Ellis and the trace store read whole items from
 * them. An index entry is billed per KB of the item in every region and rewritten when any of
 * its attributes changes, so items listed in an index are kept small and written once where
 * they are hot (the call records: docs/performance.md "Cost model").
 */
import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb'

export const DEFAULT_TABLE_NAME = 'edgewater'
/** Epoch seconds after which an item is dead; reads check it themselves (DynamoDB deletes lazily). */
export const TTL_ATTRIBUTE = 'ttl'

export function tableDefinition(tableName: string = DEFAULT_TABLE_NAME): CreateTableCommandInput {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: 'pk', AttributeType: 'S' },
      { AttributeName: 'sk', AttributeType: 'S' },
      { AttributeName: 'gsi1pk', AttributeType: 'S' },
      { AttributeName: 'gsi1sk', AttributeType: 'S' },
      { AttributeName: 'gsi2pk', AttributeType: 'S' },
      { AttributeName: 'gsi2sk', AttributeType: 'S' },
    ],
    KeySchema: [
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ],
    GlobalSecondaryIndexes: [
      {
        IndexName: 'gsi1',
        KeySchema: [
          { AttributeName: 'gsi1pk', KeyType: 'HASH' },
          { AttributeName: 'gsi1sk', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
      {
        IndexName: 'gsi2',
        KeySchema: [
          { AttributeName: 'gsi2pk', KeyType: 'HASH' },
          { AttributeName: 'gsi2sk', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
    ],
    StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
  }
}
