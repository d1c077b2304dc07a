import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DynamoWire, DynamoWireError } from './dynamo-wire'

/** A stand-in for DynamoDB Local's JSON protocol: echoes the request, or fails as DynamoDB does. */
let server: http.Server
let port = 0
const seen: Array<{ target: string; auth: string; body: Record<string, unknown> }> = []
beforeAll(async () => {
  server = http.createServer((req, res) => {
    let body = ''
    req.on('data', (c) => {
      body += c
    })
    req.on('end', () => {
      const parsed = JSON.parse(body) as Record<string, unknown>
      seen.push({
        target: String(req.headers['x-amz-target']),
        auth: String(req.headers.authorization),
        body: parsed,
      })
      if (parsed.TableName === 'missing') {
        res.writeHead(400, { 'content-type': 'application/x-amz-json-1.0' })
        res.end(
          JSON.stringify({
            __type: 'com.amazonaws.dynamodb.v20120810#ResourceNotFoundException',
            Message: 'Cannot do operations on a non-existent table',
          })
        )
        return
      }
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' })
      res.end(JSON.stringify({ Item: parsed.Key }))
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  port = (server.address() as AddressInfo).port
})
afterAll(() => new Promise<void>((r) => server.close(() => r())))

describe('DynamoWire', () => {
  it('sends an operation as DynamoDB’s JSON protocol with a SigV4-shaped Authorization, and parses the answer', async () => {
    const w = new DynamoWire(port, 'local-b')
    const key = { pk: { S: 'P' }, sk: { S: 'S' } }
    const out = await w.send('GetItem', { TableName: 't', Key: key, ConsistentRead: true })
    expect(out).toEqual({ Item: key })
    // A second operation reuses the pooled connection.
    await w.send('GetItem', { TableName: 't', Key: key })
    w.close()
    expect(seen.at(-2)).toMatchObject({
      target: 'DynamoDB_20120810.GetItem',
      body: { TableName: 't', Key: key, ConsistentRead: true },
    })
    expect(seen.at(-1)?.auth).toMatch(
      /^AWS4-HMAC-SHA256 Credential=local\/\d{8}\/local-b\/dynamodb\//
    )
  })

  it('throws an error named after the answer’s __type, as the SDK names its exceptions', async () => {
    const w = new DynamoWire(port)
    const err = await w.send('PutItem', { TableName: 'missing', Item: {} }).catch((e) => e)
    w.close()
    expect(err).toBeInstanceOf(DynamoWireError)
    expect(err).toMatchObject({ name: 'ResourceNotFoundException', status: 400 })
    expect(String(err.message)).toContain('non-existent table')
  })
})
