import { describe, expect, it } from 'vitest'
import { createDynamo, TRIMMED_MIDDLEWARE } from './clients'

describe('the DynamoDB client (clients.ts)', () => {
  it('runs no logger or user-agent middleware, and keeps serialising, retrying and signing', () => {
    const client = createDynamo({
      region: 'local-a',
      endpoint: 'http://127.0.0.1:1',
      credentials: { accessKeyId: 'k', secretAccessKey: 's' },
    })
    const stack = client.middlewareStack.identify().map((m) => m.split(' ')[0])
    for (const name of TRIMMED_MIDDLEWARE) expect(stack).not.toContain(name)
    expect(stack).toEqual(
      expect.arrayContaining([
        'serializerMiddleware',
        'retryMiddleware',
        'httpSigningMiddleware',
        'deserializerMiddleware',
      ])
    )
    client.destroy()
  })
})
