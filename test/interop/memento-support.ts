/**
 * Memento's call lists from a test's side: the iFCs of a line with the built-in Memento before
 * MMTEL (as Ellis provisions new lines), and an HTTP client of
 * `GET /org.projectclearwater.call-list/users/<IMPU>/call-list.xml` through the edge that answers
 * the HTTP Digest challenge (RFC 7616, MD5, qop=auth) with a line's SIP credentials.
 */
import { XMLParser } from 'fast-xml-parser'
import { md5Hex } from '../../shared/sip'
import { endpoints } from '../support/cloud'
import type { IfcSpec } from '../support/ims/ifc-build'
import { type Line, until } from './calls-support'

export const mementoIfcs = (): IfcSpec[] => {
  const domain = endpoints().homeDomain
  return [
    { server: `sip:memento.${domain}`, priority: 0, conditions: [{ method: 'INVITE' }] },
    { server: `sip:mmtel.${domain}`, priority: 1, conditions: [{ method: 'INVITE' }] },
  ]
}

export const callListPath = (impu: string) =>
  `/org.projectclearwater.call-list/users/${encodeURIComponent(impu)}/call-list.xml`

export const callListUrl = (impu: string) => `${endpoints().edges.a}${callListPath(impu)}`

/** GET a call list as `who` (its SIP credentials), answering the digest challenge. */
export async function digestGet(
  impu: string,
  who: { impi: string; password: string },
  headers: Record<string, string> = {}
): Promise<Response> {
  const url = callListUrl(impu)
  const first = await fetch(url, { headers })
  if (first.status !== 401) return first
  await first.arrayBuffer()
  const challenge = first.headers
    .get('www-authenticate')!
    .split(/,\s*(?=Digest )/)
    .find((c) => /algorithm=MD5\b/.test(c))!
  const realm = /realm="([^"]+)"/.exec(challenge)![1]!
  const nonce = /nonce="([^"]+)"/.exec(challenge)![1]!
  const uri = callListPath(impu)
  const cnonce = crypto.randomUUID().replace(/-/g, '').slice(0, 16)
  const nc = '00000001'
  const ha1 = md5Hex(`${who.impi}:${realm}:${who.password}`)
  const ha2 = md5Hex(`GET:${uri}`)
  const response = md5Hex(`${ha1}:${nonce}:${nc}:${cnonce}:auth:${ha2}`)
  const authorization = `Digest username="${who.impi}", realm="${realm}", nonce="${nonce}", uri="${uri}", algorithm=MD5, qop=auth, nc=${nc}, cnonce="${cnonce}", response="${response}"`
  return fetch(url, { headers: { ...headers, authorization } })
}

export interface ListedCall {
  to: { URI: string; name: string }
  from: { URI: string; name: string }
  answered: string
  outgoing: string
  'start-time': string
  'answer-time'?: string
  'end-time'?: string
}

export function parseCallList(xml: string): ListedCall[] {
  const doc = new XMLParser({ parseTagValue: false, isArray: (name) => name === 'call' }).parse(
    xml
  ) as { 'call-list': { calls: { call?: ListedCall[] } | '' } }
  const calls = doc['call-list'].calls
  return calls === '' ? [] : (calls.call ?? [])
}

/** The line's own list, read with its credentials, once `ready` holds for it. */
export async function listOf(
  line: Line,
  ready: (calls: ListedCall[]) => boolean = (c) => c.length > 0
): Promise<ListedCall[]> {
  return until(
    async () => {
      const res = await digestGet(line.impu, line)
      if (res.status !== 200) throw new Error(`call list ${res.status}: ${await res.text()}`)
      const calls = parseCallList(await res.text())
      return ready(calls) ? calls : undefined
    },
    10_000,
    `call list of ${line.impu}`
  )
}
