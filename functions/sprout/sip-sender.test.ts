/**
 * Inline answers (sip-sender.ts `inlineReplies`): the answers to a flow's own request are held
 * for the hop's HTTP answer, a 100 Trying is dropped, and anything else Sprout sends first posts
 * what is held, so the flow's client hears everything in the order Sprout sent it.
 */
import { describe, expect, it } from 'vitest'
import { parseMessage, type SipRequest, type SipResponse } from '../../shared/sip'
import { buildResponse } from '../../shared/sip/builders'
import { inlineReplies, type SipSender } from './sip-sender'

const TOKEN = `${'ab'.repeat(32)}.${'cd'.repeat(12)}`
const invite = parseMessage(
  [
    'INVITE sip:bob@example.com SIP/2.0',
    `Via: SIP/2.0/HTTP edge.edgewater.internal;branch=z9hG4bKedge1;flow=${TOKEN}`,
    'Via: SIP/2.0/WSS client.invalid;branch=z9hG4bKc1',
    'Max-Forwards: 69',
    'From: <sip:alice@example.com>;tag=a1',
    'To: <sip:bob@example.com>',
    'Call-ID: inline-1',
    'CSeq: 1 INVITE',
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n')
) as SipRequest

function recorder() {
  const posted: string[] = []
  const base: SipSender = {
    respond: async (res) => {
      posted.push(`response ${res.status}`)
      return { ok: true }
    },
    request: async (req) => {
      posted.push(`request ${req.method}`)
      return { ok: true }
    },
  }
  return { base, posted }
}

const answer = (status: number): SipResponse => buildResponse(invite, status, { toTag: 'b1' })

describe('inline answers', () => {
  it('holds the answers to the flow’s own request and drops the 100', async () => {
    const { base, posted } = recorder()
    const inline = inlineReplies(base, invite)
    expect((await inline.sender.respond(answer(100))).ok).toBe(true)
    await inline.sender.respond(answer(180))
    await inline.sender.respond(answer(486))
    expect(posted).toEqual([])
    expect(inline.take().map((m) => m.split('\r\n')[0])).toEqual([
      'SIP/2.0 180 Ringing',
      'SIP/2.0 486 Busy Here',
    ])
    // Nothing is held once taken: a late answer is posted as usual.
    await inline.sender.respond(answer(500))
    expect(posted).toEqual(['response 500'])
  })

  it('posts what it holds before anything else leaves, then holds nothing more', async () => {
    const { base, posted } = recorder()
    const inline = inlineReplies(base, invite)
    await inline.sender.respond(answer(183))
    await inline.sender.request(parseMessage(invite.toString()) as SipRequest)
    await inline.sender.respond(answer(200))
    expect(posted).toEqual(['response 183', 'request INVITE', 'response 200'])
    expect(inline.take()).toEqual([])
  })

  it('holds nothing for a request that did not come from a flow', async () => {
    const { base, posted } = recorder()
    const fromAs = parseMessage(
      invite.toString().replace(/Via: SIP\/2\.0\/HTTP edge[^\r]*\r\n/, '')
    ) as SipRequest
    const inline = inlineReplies(base, fromAs)
    await inline.sender.respond(buildResponse(fromAs, 404, { toTag: 'x' }))
    expect(posted).toEqual(['response 404'])
    expect(inline.take()).toEqual([])
  })
})
