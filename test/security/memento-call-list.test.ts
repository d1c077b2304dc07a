/**
 * A caller writes into the callee's Memento call list: the display name and URI of its From go
 * into the callee's fragment (functions/sprout/memento/memento-service.ts) and come back in
 * `call-list.xml` (shared/ims/call-list.ts). Over the real local cloud, a registered subscriber
 * calls another whose iFCs invoke Memento, with a From display name holding characters XML 1.0
 * cannot carry and tens of kilobytes of text. The callee's list must stay well-formed XML (a
 * parser that meets a control character refuses the whole document, so the callee would lose
 * every call in it), the call must still be listed, and the stored name must stay small (a list
 * read loads up to `MEMENTO_READ_FRAGMENTS` fragments into one isolate).
 */
import { XMLParser } from 'fast-xml-parser'
import { afterEach, describe, expect, it } from 'vitest'
import { type Line, newLine, Phone, until } from '../interop/calls-support'
import { callListUrl, mementoIfcs } from '../interop/memento-support'
import { endpoints } from '../support/cloud'

const phones: Phone[] = []
afterEach(async () => {
  await Promise.all(phones.splice(0).map((p) => p.stop()))
})

/** Characters outside XML 1.0's `Char` production (§2.2). */
const NOT_XML_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u
/** The longest display name or URI a call list keeps (`MEMENTO_MAX_PARTY_CHARS` default). */
const MAX_PARTY_CHARS = 256

function sendRaw(p: Phone, text: string): Promise<void> {
  return (p.ua.transport as unknown as { send(m: string): Promise<void> }).send(text)
}

/** An INVITE from `caller`'s flow to `target` whose From carries `displayName` as written. */
async function inviteWithName(caller: Phone, target: string, displayName: string) {
  const callId = `memento-name-${crypto.randomUUID()}`
  const text = [
    `INVITE ${target} SIP/2.0`,
    `Via: SIP/2.0/WSS raw.invalid;branch=z9hG4bK${crypto.randomUUID().replace(/-/g, '')}`,
    'Max-Forwards: 70',
    `From: "${displayName}" <${caller.line.impu}>;tag=${crypto.randomUUID().slice(0, 8)}`,
    `To: <${target}>`,
    `Call-ID: ${callId}`,
    'CSeq: 1 INVITE',
    `Contact: <sip:mallory@raw.invalid;transport=ws>`,
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n')
  await sendRaw(caller, text)
  const final = await until(
    () => caller.received.find((m) => /^SIP\/2\.0 [2-6]\d\d /.test(m) && m.includes(callId)),
    10_000,
    'final response to the INVITE'
  )
  return { callId, status: Number(/^SIP\/2\.0 (\d{3})/.exec(final)?.[1]) }
}

async function listXml(line: Line): Promise<string> {
  const res = await fetch(callListUrl(line.impu), {
    headers: { 'NGV-API-Key': endpoints().ellisApiKey },
  })
  expect(res.status).toBe(200)
  return res.text()
}

interface Listed {
  from: { URI: string; name: string }
  answered: string
  outgoing: string
}

describe("a caller's display name in the callee's call list", () => {
  it('cannot make the list unreadable nor store kilobytes of text, and the call is still listed', async () => {
    const [lm, lv] = await Promise.all([newLine(), newLine({ ifcs: mementoIfcs() })])
    const mallory = await Phone.start(lm)
    phones.push(mallory)
    // The victim is not registered: the call fails (480) and leaves a REJECTED fragment.
    const hostile = `Mallory\u0001\u000b\u001b[31m\uFFFE${'A'.repeat(30_000)}`
    const { status } = await inviteWithName(mallory, lv.impu, hostile)
    expect(status).toBe(480)

    const xml = await until(
      async () => {
        const text = await listXml(lv)
        return text.includes('<call>') ? text : undefined
      },
      10_000,
      "the call in the victim's list"
    )
    expect(xml).not.toMatch(NOT_XML_CHAR)
    const doc = new XMLParser({ parseTagValue: false, isArray: (n) => n === 'call' }).parse(
      xml
    ) as {
      'call-list': { calls: { call: Listed[] } }
    }
    const [call] = doc['call-list'].calls.call
    expect(call).toMatchObject({ from: { URI: lm.impu }, answered: '0', outgoing: '0' })
    expect(call!.from.name.startsWith('Mallory')).toBe(true)
    expect(call!.from.name.length).toBeLessThanOrEqual(MAX_PARTY_CHARS)
    expect(xml.length).toBeLessThan(4_096)
  })
})
