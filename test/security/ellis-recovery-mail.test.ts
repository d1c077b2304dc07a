/**
 * Issue 14, finding 4: a password-recovery link is a credential, so a real deployment must send
 * it by a real mail path and must never write it to the log or keep it where an operator can
 * read it. Ellis runs here in process exactly as production builds it (its production
 * dependencies, production secrets, no `EDGEWATER_ENV=local`), over the local cloud's stores;
 * the mail relay is an HTTP server this test starts. Every log line Ellis writes is captured.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { app } from '../../functions/ellis/app'
import { hmacSha256, toBase64Url } from '../../functions/ellis/secrets'
import { settingsFromEnv } from '../../infra/local/contract'
import { functionBindings } from '../../infra/local/function-bindings'
import { call, edgeApi, json, uniqueEmail } from '../integration/ellis-support'
import { endpoints } from '../support/cloud'
import { waitForReplication } from '../support/replication'

const strong = (tag: string) => `${tag}-${crypto.randomUUID()}-${crypto.randomUUID()}`
const MAIL_SECRET = strong('mail')
const API_KEY = strong('api')

interface Received {
  headers: Record<string, string | string[] | undefined>
  body: string
}

let relay: Server
const received: Received[] = []
let relayUrl = ''

/** The region's bindings as a production deployment has them (no local marker, real secrets). */
function productionEnv(extra: Record<string, string>): Record<string, string> {
  const raw: Record<string, string> = {
    ...functionBindings(settingsFromEnv(), 'a'),
    HOP_SECRET: strong('hop'),
    FLOW_TOKEN_SECRET: strong('flow'),
    ELLIS_COOKIE_SECRET: strong('cookie'),
    ELLIS_API_KEY: API_KEY,
    TRUST_CLOCK_HEADER: '0',
    ...extra,
  }
  delete raw.EDGEWATER_ENV
  return raw
}

let logged: string[] = []
function captureLogs() {
  logged = []
  for (const m of ['log', 'info', 'warn', 'error', 'debug'] as const)
    vi.spyOn(console, m).mockImplementation((...args: unknown[]) => {
      logged.push(args.map(String).join(' '))
    })
}

async function kvGet(key: string): Promise<unknown> {
  const kv = endpoints().kv.a
  const r = await fetch(kv.url, {
    method: 'POST',
    headers: { authorization: `Bearer ${kv.token}`, 'content-type': 'application/json' },
    body: JSON.stringify(['GET', key]),
  })
  return ((await r.json()) as { result: unknown }).result
}

async function account(): Promise<string> {
  const email = uniqueEmail('recovery-mail')
  const r = await call(edgeApi('a', '/accounts'), {
    method: 'POST',
    headers: { ...json, 'ngv-signup-code': endpoints().signupCode },
    body: JSON.stringify({ email, password: 'old-password', full_name: 'Mail Victim' }),
  })
  expect(r.status).toBe(201)
  return email
}

const inProcess = (env: Record<string, string>, path: string, init: RequestInit = {}) =>
  app.fetch(new Request(`http://ellis.invalid/api${path}`, init), env)

describe('recovery mail in production', () => {
  beforeAll(async () => {
    relay = createServer((req, res) => {
      let body = ''
      req.on('data', (c) => {
        body += c
      })
      req.on('end', () => {
        received.push({ headers: req.headers, body })
        res.writeHead(202).end()
      })
    })
    await new Promise<void>((r) => relay.listen(0, '127.0.0.1', r))
    relayUrl = `http://127.0.0.1:${(relay.address() as AddressInfo).port}/mail`
  })
  afterAll(() => new Promise<void>((r) => relay.close(() => r())))
  afterEach(() => vi.restoreAllMocks())

  it('delivers the link to the webhook, signed with the mail key, and logs no token', async () => {
    const email = await account()
    const env = productionEnv({
      ELLIS_MAIL_WEBHOOK: relayUrl,
      ELLIS_MAIL_WEBHOOK_SECRET: MAIL_SECRET,
    })
    captureLogs()
    const ask = await inProcess(env, `/accounts/${encodeURIComponent(email)}/password`, {
      method: 'POST',
    })
    expect(ask.status).toBe(200)
    const mail = received.find((m) => m.body.includes(email))
    expect(mail).toBeDefined()
    const message = JSON.parse(mail!.body) as { to: string; link: string; text: string }
    expect(message.to).toBe(email)
    const token = new URL(message.link).searchParams.get('token')!
    expect(token.length).toBeGreaterThan(30)
    expect(message.text).toContain(message.link)

    // Signed with the relay's own key, not the trusted zone's: the relay cannot forge hops.
    expect(mail!.headers['x-edgewater-signature']).toBeUndefined()
    const ts = String(mail!.headers['x-edgewater-mail-timestamp'])
    const expected = `v1=${toBase64Url(await hmacSha256(MAIL_SECRET, `${ts}.${mail!.body}`))}`
    expect(mail!.headers['x-edgewater-mail-signature']).toBe(expected)

    // Nothing logged carries the token or the link, and nothing kept it in an outbox.
    for (const line of logged) {
      expect(line).not.toContain(token)
      expect(line).not.toContain('reset.html')
    }
    expect(await kvGet(`ellis:outbox:${email}`)).toBeNull()
    const outbox = await inProcess(env, `/outbox/${encodeURIComponent(email)}`, {
      headers: { 'ngv-api-key': API_KEY },
    })
    expect(outbox.status).toBe(404)

    // The mailed token works (through the real cloud), so the owner gets their account back.
    // The owner opens the mail later than the token takes to replicate, and logs in through the
    // other region than the one that reset the password: each step waits for replication.
    await waitForReplication()
    const reset = await call(edgeApi('b', `/accounts/${encodeURIComponent(email)}/password`), {
      method: 'POST',
      headers: { 'ngv-recovery-token': token, 'content-type': 'text/plain' },
      body: 'new-password-1',
    })
    expect(reset.status).toBe(200)
    await waitForReplication()
    const login = await call(edgeApi('a', '/session'), {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ email, password: 'new-password-1' }),
    })
    expect(login.status).toBe(201)
  })

  it('without a mail path, refuses recovery mail instead of logging or keeping the link', async () => {
    const email = await account()
    const env = productionEnv({})
    captureLogs()
    const ask = await inProcess(env, `/accounts/${encodeURIComponent(email)}/password`, {
      method: 'POST',
    })
    expect(ask.status).toBe(503)
    for (const line of logged) {
      expect(line).not.toContain('token=')
      expect(line).not.toContain('reset.html')
    }
    expect(logged.some((l) => l.includes('ELLIS_MAIL_WEBHOOK'))).toBe(true)
    expect(await kvGet(`ellis:outbox:${email}`)).toBeNull()
    // The account is untouched: the old password still works.
    const login = await call(edgeApi('a', '/session'), {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ email, password: 'old-password' }),
    })
    expect(login.status).toBe(201)
  })
})
