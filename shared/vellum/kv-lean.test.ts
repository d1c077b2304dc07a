import type { Redis } from '@upstash/redis/cloudflare'
import { describe, expect, it } from 'vitest'
import { decodeValue, leanCommand, leanMget, leanSetGet } from './kv-lean'

/** A client whose requester records each request and answers from `answer`. */
function client(answer: (body: string[]) => { result?: unknown; error?: string }) {
  const sent: unknown[] = []
  const redis = {
    client: {
      request: async (req: { body: string[]; path?: string[] }) => {
        sent.push(req)
        return answer(req.body)
      },
    },
  } as unknown as Redis
  return { redis, sent }
}

describe('lean KV commands', () => {
  it('send one command as the REST API takes it and return its result undecoded', async () => {
    const { redis, sent } = client((b) =>
      b[0] === 'mget' ? { result: ['{"rm":1,"r":{}}', null] } : { result: '{"old":1}' }
    )
    expect(await leanMget(redis, ['aor', 'none'])).toEqual(['{"rm":1,"r":{}}', null])
    expect(await leanSetGet(redis, 'aor', '{"rm":1}', 1500)).toBe('{"old":1}')
    // No path: the single-command endpoint (POST /), not a pipeline.
    expect(sent).toEqual([
      { body: ['mget', 'aor', 'none'] },
      { body: ['set', 'aor', '{"rm":1}', 'px', '1500', 'get'] },
    ])
  })

  it('throw an UpstashError on a Redis error reply, and a TypeError on an answer without result', async () => {
    const bad = client(() => ({ error: 'WRONGTYPE Operation against a key' }))
    await expect(leanCommand(bad.redis, ['get', 'h'])).rejects.toMatchObject({
      name: 'UpstashError',
      message: 'WRONGTYPE Operation against a key',
    })
    const empty = client(() => ({}))
    await expect(leanCommand(empty.redis, ['get', 'h'])).rejects.toBeInstanceOf(TypeError)
  })

  it('decode a value as @upstash/redis does', () => {
    expect(decodeValue(null)).toBeUndefined()
    expect(decodeValue('{"a":[1,"x"]}')).toEqual({ a: [1, 'x'] })
    expect(decodeValue('3')).toBe(3)
    expect(decodeValue('"s"')).toBe('s')
    expect(decodeValue('plain text')).toBe('plain text')
    // Numbers whose text parsing would change stay text.
    expect(decodeValue('007')).toBe('007')
    expect(decodeValue('12345678901234567890')).toBe('12345678901234567890')
    expect(decodeValue('true')).toBe(true)
  })
})
