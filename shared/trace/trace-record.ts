/**
 * @module trace/trace-record
 * One traced SIP message (or internal HTTP call) at one hop: what the ops page and the CLI draw
 * as one arrow. A hop records a message it sends (`out`) to another tracing component, and a
 * message it receives (`in`) from a party that records nothing itself (a client, an application
 * server), so each arrow of a call is recorded once. The record is built from the message text
 * when the trace is written, never on the SIP path. Pure.
 */
import { z } from 'zod'

/** What a record keeps of the message body (TRACE_BODY_POLICY). */
export const BODY_POLICIES = ['full', 'headers', 'none'] as const
export type BodyPolicy = (typeof BODY_POLICIES)[number]

export const COMPONENTS = ['edge', 'sprout', 'dime', 'homer', 'ralf', 'ellis'] as const
export type TracingComponent = (typeof COMPONENTS)[number]

export const traceRecordSchema = z.object({
  traceId: z.string().regex(/^[0-9a-f]{32}$/),
  /** The span of the hop that recorded it. */
  spanId: z.string().regex(/^[0-9a-f]{16}$/),
  callId: z.string().min(1).max(512),
  /** Epoch milliseconds at the recording hop. */
  at: z.number().int().nonnegative(),
  component: z.enum(COMPONENTS),
  region: z.string().min(1).max(16),
  /** The flow (its token's first 12 characters) at the edge. */
  flow: z.string().max(64).optional(),
  direction: z.enum(['in', 'out']),
  /** Parties: `ua:<identity or flow>`, `edge`, `sprout-a`, `as:<host>`, `ralf-a`, … */
  from: z.string().min(1).max(256),
  to: z.string().min(1).max(256),
  kind: z.enum(['sip', 'http']),
  /** The start line (`INVITE sip:… SIP/2.0`, `SIP/2.0 180 Ringing`, `POST /path 200`). */
  summary: z.string().max(1024),
  method: z.string().max(32).optional(),
  status: z.number().int().min(100).max(699).optional(),
  cseq: z.string().max(64).optional(),
  /** The public identities the message names (From, To, P-Asserted-Identity). */
  impus: z.array(z.string().max(256)).max(8),
  /** The message under the body policy, cut at TRACE_MAX_MESSAGE_BYTES characters. */
  message: z.string(),
})
export type TraceRecord = z.infer<typeof traceRecordSchema>

/** What a hop notes about a message on the way; the record is made from it at write time. */
export interface TraceNote {
  traceId: string
  spanId: string
  at: number
  component: TracingComponent
  region: string
  flow?: string | undefined
  direction: 'in' | 'out'
  from: string
  to: string
  kind: 'sip' | 'http'
  /** The SIP message text, or for `http` the request line and status (`POST /x 202`). */
  text: string
  /** The Call-ID (`sip` notes carry it in their text; `http` notes name the call's). */
  callId?: string | undefined
}

export interface RecordPolicy {
  body: BodyPolicy
  maxMessageChars: number
}

interface Head {
  startLine: string
  headers: Array<[string, string]>
  body: string
}

/** Splits a SIP message into start line, unfolded headers and body (RFC 3261 §7). */
function splitMessage(text: string): Head {
  const end = text.search(/\r?\n\r?\n/)
  const head = end < 0 ? text : text.slice(0, end)
  const body = end < 0 ? '' : text.slice(end).replace(/^\r?\n\r?\n/, '')
  const lines = head.split(/\r?\n/)
  const startLine = lines.shift() ?? ''
  const headers: Array<[string, string]> = []
  for (const line of lines) {
    // RFC 3261 §7.3.1: a line starting with white space continues the previous header.
    if (/^[ \t]/.test(line) && headers.length > 0) {
      const last = headers[headers.length - 1]!
      last[1] = `${last[1]} ${line.trim()}`
      continue
    }
    const colon = line.indexOf(':')
    if (colon > 0) headers.push([line.slice(0, colon).trim(), line.slice(colon + 1).trim()])
  }
  return { startLine, headers, body }
}

/** RFC 3261 §7.3.3 compact forms of the headers a record reads. */
const COMPACT: Record<string, string> = { i: 'call-id', f: 'from', t: 'to' }

function header(h: Head, name: string): string[] {
  return h.headers
    .filter(([n]) => {
      const l = n.toLowerCase()
      return l === name || COMPACT[l] === name
    })
    .map(([, v]) => v)
}

/** The `scheme:user@host` (or `tel:number`) a name-addr or addr-spec names, lower-case host. */
export function identityOf(value: string): string | undefined {
  // The first `<` and the next `>` by index: a backtracking search for `<([^>]*)>` takes
  // quadratic time on a value of many `<` and no `>`, which any client can send.
  const lt = value.indexOf('<')
  const gt = lt < 0 ? -1 : value.indexOf('>', lt + 1)
  const inAngles = gt < 0 ? undefined : value.slice(lt + 1, gt)
  const uri = (inAngles ?? value.split(';')[0] ?? '').trim()
  const sip = /^(sips?):([^@;?]+)@([^;?>:]+)/i.exec(uri)
  if (sip) return `sip:${sip[2]}@${sip[3]!.toLowerCase()}`
  const tel = /^tel:([^;?]+)/i.exec(uri)
  if (tel) return `tel:${tel[1]}`
  return undefined
}

function identitiesIn(h: Head): string[] {
  const impus: string[] = []
  for (const name of ['from', 'to', 'p-asserted-identity']) {
    for (const v of header(h, name)) {
      const id = identityOf(v)
      if (id && !impus.includes(id) && impus.length < 8) impus.push(id)
    }
  }
  return impus
}

/** The public identities a SIP message names in From, To and P-Asserted-Identity, in that order. */
export function identitiesOfText(text: string): string[] {
  return identitiesIn(splitMessage(text))
}

function applyBodyPolicy(text: string, h: Head, policy: RecordPolicy): string {
  let out = text
  if (policy.body !== 'full' && h.body.length > 0) {
    const cut = text.length - h.body.length
    out =
      policy.body === 'headers'
        ? `${text.slice(0, cut)}[body of ${h.body.length} characters not kept]`
        : `${h.startLine}\r\n[headers and body not kept]`
  } else if (policy.body === 'none') out = `${h.startLine}\r\n[headers not kept]`
  return out.length > policy.maxMessageChars
    ? `${out.slice(0, policy.maxMessageChars)}\r\n[cut at ${policy.maxMessageChars} characters]`
    : out
}

/** The record a note stands for, under `policy`. */
export function recordOf(note: TraceNote, policy: RecordPolicy): TraceRecord {
  const base = {
    traceId: note.traceId,
    spanId: note.spanId,
    at: note.at,
    component: note.component,
    region: note.region,
    ...(note.flow ? { flow: note.flow } : {}),
    direction: note.direction,
    from: note.from,
    to: note.to,
    kind: note.kind,
  }
  if (note.kind === 'http') {
    const status = Number(/ (\d{3})$/.exec(note.text)?.[1])
    return {
      ...base,
      callId: note.callId ?? 'unknown',
      summary: note.text.slice(0, 1024),
      method: note.text.split(' ')[0]?.slice(0, 32),
      ...(status >= 100 && status <= 699 ? { status } : {}),
      impus: [],
      message: note.text.slice(0, policy.maxMessageChars),
    }
  }
  const h = splitMessage(note.text)
  const response = /^SIP\/2\.0 (\d{3})/.exec(h.startLine)
  const cseq = header(h, 'cseq')[0]
  const impus = identitiesIn(h)
  return {
    ...base,
    callId: (header(h, 'call-id')[0] ?? note.callId ?? 'unknown').slice(0, 512) || 'unknown',
    summary: h.startLine.slice(0, 1024),
    method: (response ? cseq?.split(/\s+/)[1] : h.startLine.split(' ')[0])?.slice(0, 32),
    ...(response ? { status: Number(response[1]) } : {}),
    ...(cseq ? { cseq: cseq.slice(0, 64) } : {}),
    impus,
    message: applyBodyPolicy(note.text, h, policy),
  }
}

/**
 * Whether a record is a failure that keeps its trace (RFC 3261 §21.4–21.6): a final response of
 * 400 or more, except a challenge (401, 407) that the client answers in the same call, and 487,
 * the answer to a request the caller cancelled.
 */
export function isFailure(status: number | undefined): boolean {
  return status !== undefined && status >= 400 && status !== 401 && status !== 407 && status !== 487
}

/** A response status in a SIP message's start line, read without parsing the rest. */
export function statusOfText(text: string): number | undefined {
  const m = /^SIP\/2\.0 (\d{3})/.exec(text)
  return m ? Number(m[1]) : undefined
}
