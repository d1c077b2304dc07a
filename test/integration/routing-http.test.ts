/**
 * Sprout's routing entrances on the local cloud, without user agents: the trusted zone on the
 * timer callback and the cost records, the timer body's validation, and SIP that Sprout answers
 * itself on the internal hop (Max-Forwards exhausted, a CANCEL that matches nothing), delivered to
 * a test application server standing in for the sender.
 */
import { describe, expect, it } from 'vitest'
import { signRequest } from '../../shared/hop/signature'
import { endpoints, eventually } from '../support/cloud'

const sprout = (path: string) => `${endpoints().functions.a.sprout}${path}`

async function signed(method: string, url: string, body?: string) {
  const sig = await signRequest(endpoints().hopSecret, method, url, body ?? null)
  return fetch(url, {
    method,
    headers: { ...sig, 'content-type': body?.startsWith('{') ? 'application/json' : 'message/sip' },
    ...(body !== undefined ? { body } : {}),
  })
}

async function asCalls(callId: string) {
  const r = await signed('GET', sprout(`/test-as/calls?call-id=${encodeURIComponent(callId)}`))
  return (
    (await r.json()) as { received: Array<{ kind: string; method: string; status?: number }> }
  ).received
}

/** A request that looks as if the test AS `proxy` sent it, so Sprout's answers land in its log. */
function fromAs(method: string, callId: string, extra: string[] = []): string {
  return [
    `${method} sip:nobody@${endpoints().homeDomain} SIP/2.0`,
    `Via: SIP/2.0/HTTP proxy.as.edgewater.internal;branch=z9hG4bK${callId}`,
    'Route: <sip:sprout.a.edgewater.internal;lr>',
    `From: <sip:tester@${endpoints().homeDomain}>;tag=t1`,
    `To: <sip:nobody@${endpoints().homeDomain}>`,
    `Call-ID: ${callId}`,
    `CSeq: 1 ${method}`,
    ...extra,
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n')
}

describe('routing HTTP entrances', () => {
  it('refuses unsigned requests', async () => {
    expect((await fetch(sprout('/routing/timer'), { method: 'POST', body: '{}' })).status).toBe(401)
    expect((await fetch(sprout('/routing/transactions'))).status).toBe(401)
  })

  it('validates a timer pop and accepts one for a transaction that is gone', async () => {
    const bad = await signed(
      'POST',
      sprout('/routing/timer'),
      '{"key":"nope","which":"timer-c","g":0}'
    )
    expect(bad.status).toBe(400)
    expect(((await bad.json()) as { reason: string }).reason).toMatch(/key/)
    const gone = await signed(
      'POST',
      sprout('/routing/timer'),
      JSON.stringify({ key: 'f'.repeat(24), which: 'timer-c', g: 0 })
    )
    expect(gone.status).toBe(200)
  })

  it('lists what routed requests cost', async () => {
    const r = await signed('GET', sprout('/routing/transactions?limit=5'))
    expect(r.status).toBe(200)
    expect(Array.isArray(((await r.json()) as { transactions: unknown[] }).transactions)).toBe(true)
  })
})

describe('SIP Sprout answers itself', () => {
  it('answers 483 when Max-Forwards is exhausted', async () => {
    const id = `mf-${Date.now()}`
    const res = await signed('POST', sprout('/sip'), fromAs('MESSAGE', id, ['Max-Forwards: 0']))
    expect(res.status).toBe(202)
    const got = await eventually(async () => (await asCalls(id)).find((r) => r.kind === 'response'))
    expect(got.status).toBe(483)
  })

  it('answers 481 to a CANCEL that matches no transaction', async () => {
    const id = `cancel-${Date.now()}`
    await signed('POST', sprout('/sip'), fromAs('CANCEL', id))
    const got = await eventually(async () => (await asCalls(id)).find((r) => r.kind === 'response'))
    expect(got).toMatchObject({ method: 'CANCEL', status: 481 })
  })

  it('answers 480 to an initial request for an unknown user', async () => {
    const id = `unknown-${Date.now()}`
    await signed('POST', sprout('/sip'), fromAs('MESSAGE', id))
    const got = await eventually(async () => (await asCalls(id)).find((r) => r.kind === 'response'))
    expect(got).toMatchObject({ method: 'MESSAGE', status: 480 })
  })
})
