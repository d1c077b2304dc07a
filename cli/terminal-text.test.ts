/**
 * What the CLI prints as text comes partly from subscribers: a traced SIP message's headers and
 * body, a reason phrase, a display name. Printed raw, an escape sequence in them would act on
 * the operator's terminal (retitle it, rewrite the screen, set the clipboard with OSC 52, hide
 * lines with a carriage return). Text output shows every control character as a visible escape;
 * `--json` output is JSON, which escapes them itself.
 */
import { describe, expect, it } from 'vitest'
import { layoutLadder } from '../shared/trace/ladder'
import { recordOf } from '../shared/trace/trace-record'
import { runCli } from './main'
import { terminalSafe } from './terminal-text'

const EVIL = 'Mallory\u001b]52;c;ZWNobyBvd25lZA==\u0007\u001b[2J\rhidden\u009b31m\u202e'
const CALL = 'call-evil-1'
const message = [
  'SIP/2.0 486 Busy Here',
  'Via: SIP/2.0/HTTP edge.edgewater.internal;branch=z9hG4bK1',
  `From: "${EVIL}" <sip:6505550001@example.com>;tag=a`,
  'To: <sip:6505550002@example.com>;tag=b',
  `Call-ID: ${CALL}`,
  'CSeq: 1 INVITE',
  'Content-Length: 0',
  '',
  '',
].join('\r\n')

const record = recordOf(
  {
    traceId: 'a'.repeat(32),
    spanId: 'b'.repeat(16),
    at: Date.UTC(2026, 11, 7),
    component: 'edge',
    region: 'a',
    direction: 'out',
    from: 'edge',
    to: 'ua:6505550001',
    kind: 'sip',
    text: message,
  },
  { body: 'full', maxMessageChars: 16_384 }
)

async function trace(...flags: string[]) {
  const out: string[] = []
  const code = await runCli(['trace', CALL, ...flags], {
    env: {
      EDGEWATER_URL: 'https://sip.example.net',
      EDGEWATER_FUNCTION_URLS: JSON.stringify({
        a: {
          sprout: 'https://s',
          dime: 'https://d',
          homer: 'https://h',
          ellis: 'https://e',
          timers: 'https://t',
        },
        b: {
          sprout: 'https://s',
          dime: 'https://d',
          homer: 'https://h',
          ellis: 'https://e',
          timers: 'https://t',
        },
      }),
      HOP_SECRET: 'h'.repeat(40),
      ELLIS_API_KEY: 'k'.repeat(40),
    },
    out: (l) => out.push(l),
    err: () => undefined,
    fetch: async () =>
      new Response(
        JSON.stringify({
          callId: CALL,
          traceIds: [record.traceId],
          records: [record],
          ladder: layoutLadder([record]),
        }),
        { status: 200 }
      ),
  })
  return { code, out: out.join('\n') }
}

const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/

describe("a subscriber's text in the CLI's output", () => {
  it('reaches the terminal with every control character shown, not acted on', async () => {
    const r = await trace('--messages')
    expect(r.code).toBe(0)
    expect(r.out).toContain('Mallory')
    expect(r.out).not.toMatch(CONTROL)
    expect(r.out).toContain('\\x1b]52;c;')
    expect(r.out).toContain('\\rhidden')
  })

  it('stays exact in --json', async () => {
    const r = await trace('--messages', '--json')
    expect(JSON.parse(r.out).records[0].message).toContain(EVIL)
  })

  it('terminalSafe leaves tabs and ordinary text alone', () => {
    expect(terminalSafe('a\tb é 😀')).toBe('a\tb é 😀')
    expect(terminalSafe('\u001b[31m')).toBe('\\x1b[31m')
    expect(terminalSafe('\u202e')).toBe('\\u202e')
  })
})
