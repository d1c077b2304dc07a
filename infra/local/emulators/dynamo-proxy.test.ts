import { describe, expect, it } from 'vitest'
import { writtenItems } from './dynamo-proxy'

const key = (pk: string) => ({ pk: { S: pk }, sk: { S: 'S' } })
const item = (pk: string) => ({ ...key(pk), v: { S: `v-${pk}` } })
const req = (o: object) => Buffer.from(JSON.stringify(o))

describe('writtenItems', () => {
  it('gives a put its item and a delete null as what the write leaves, an update nothing', () => {
    expect(writtenItems('PutItem', req({ TableName: 't', Item: item('A') }))).toEqual([
      { table: 't', key: key('A'), image: item('A') },
    ])
    expect(writtenItems('DeleteItem', req({ TableName: 't', Key: key('B') }))).toEqual([
      { table: 't', key: key('B'), image: null },
    ])
    expect(
      writtenItems(
        'UpdateItem',
        req({ TableName: 't', Key: key('C'), UpdateExpression: 'SET x = :x' })
      )
    ).toEqual([{ table: 't', key: key('C') }])
  })

  it('reads batches and transactions item by item; a condition check writes nothing', () => {
    expect(
      writtenItems(
        'BatchWriteItem',
        req({
          RequestItems: {
            t: [{ PutRequest: { Item: item('A') } }, { DeleteRequest: { Key: key('B') } }],
          },
        })
      )
    ).toEqual([
      { table: 't', key: key('A'), image: item('A') },
      { table: 't', key: key('B'), image: null },
    ])
    expect(
      writtenItems(
        'TransactWriteItems',
        req({
          TransactItems: [
            { Put: { TableName: 't', Item: item('A') } },
            { Update: { TableName: 't', Key: key('B'), UpdateExpression: 'SET x = :x' } },
            { Delete: { TableName: 'u', Key: key('C') } },
            { ConditionCheck: { TableName: 't', Key: key('D'), ConditionExpression: 'x' } },
          ],
        })
      )
    ).toEqual([
      { table: 't', key: key('A'), image: item('A') },
      { table: 't', key: key('B') },
      { table: 'u', key: key('C'), image: null },
    ])
  })
})
