/**
 * @module ellis/mailer
 * How Ellis sends mail (password recovery links): a small {@link Mailer} interface and the one
 * a deployment's configuration names (mail-config.ts):
 * - {@link WebhookMailer}, production's mail path: each message is POSTed as JSON to
 *   `ELLIS_MAIL_WEBHOOK` (a relay to SES, SendGrid or a team inbox), signed with its own key
 *   `ELLIS_MAIL_WEBHOOK_SECRET` (never the trusted-zone key: the relay is outside the zone);
 * - {@link OutboxMailer}, the local cloud's only: it keeps the last few messages per address in
 *   the regional KV for an hour, where the API-key-only `GET /api/outbox/<email>` shows them;
 * - {@link NoMailer}, a deployment without a mail path: recovery mail is refused (503) before
 *   any token exists.
 * No mailer ever writes a message's text or link to the log: a recovery link is a credential.
 */

import type { Fetch } from '../../shared/hop/fetch'
import type { Logger } from '../../shared/log/logger'
import type { RegionalKv } from '../../shared/vellum'
import { hmacSha256, toBase64Url } from './secrets'

export interface MailMessage {
  to: string
  subject: string
  text: string
  /** The one link the message is about (recovery); it holds a token, so it is never logged. */
  link?: string
}

export interface Mailer {
  readonly kind: 'outbox' | 'webhook' | 'none'
  send(msg: MailMessage): Promise<void>
}

export const OUTBOX_TTL_S = 3600
export const OUTBOX_KEEP = 5
/** How long one webhook delivery may take before it counts as failed. */
export const MAIL_WEBHOOK_TIMEOUT_MS = 5000

export const MAIL_TIMESTAMP_HEADER = 'x-edgewater-mail-timestamp'
export const MAIL_SIGNATURE_HEADER = 'x-edgewater-mail-signature'

export const outboxKey = (address: string) => `ellis:outbox:${address.trim().toLowerCase()}`

export interface OutboxEntry extends MailMessage {
  sentMs: number
}

export class OutboxMailer implements Mailer {
  readonly kind = 'outbox'
  constructor(
    private readonly kv: RegionalKv,
    private readonly log: Logger,
    private readonly now: () => number
  ) {}

  async send(msg: MailMessage): Promise<void> {
    this.log.info('mail kept in the outbox (local cloud; not delivered)', {
      to: msg.to,
      subject: msg.subject,
    })
    const key = outboxKey(msg.to)
    const previous = (await this.kv.get<OutboxEntry[]>(key)) ?? []
    const entries = [{ ...msg, sentMs: this.now() }, ...previous].slice(0, OUTBOX_KEEP)
    await this.kv.set(key, entries, { ttlSeconds: OUTBOX_TTL_S })
  }
}

export async function readOutbox(kv: RegionalKv, address: string): Promise<OutboxEntry[]> {
  return (await kv.get<OutboxEntry[]>(outboxKey(address))) ?? []
}

/**
 * The webhook's signature: `v1=<base64url HMAC-SHA-256(secret, "<timestamp>.<body>")>`, with
 * the timestamp (ms) in its own header. A relay checks it and refuses stale timestamps.
 */
export async function mailSignature(secret: string, timestamp: string, body: string) {
  return `v1=${toBase64Url(await hmacSha256(secret, `${timestamp}.${body}`))}`
}

export class WebhookMailer implements Mailer {
  readonly kind = 'webhook'
  constructor(
    private readonly url: string,
    private readonly secret: string,
    private readonly fetch: Fetch,
    private readonly log: Logger,
    private readonly now: () => number
  ) {}

  async send(msg: MailMessage): Promise<void> {
    const body = JSON.stringify(msg)
    const timestamp = String(this.now())
    const res = await this.fetch(this.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        [MAIL_TIMESTAMP_HEADER]: timestamp,
        [MAIL_SIGNATURE_HEADER]: await mailSignature(this.secret, timestamp, body),
      },
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(MAIL_WEBHOOK_TIMEOUT_MS),
    })
    if (!res.ok) {
      this.log.warn('mail webhook refused a message', { status: res.status, to: msg.to })
      throw new Error(`mail webhook answered ${res.status}`)
    }
  }
}

/** A deployment with no mail path: nothing is sent, and the recovery route refuses early. */
export class NoMailer implements Mailer {
  readonly kind = 'none'
  async send(): Promise<void> {
    throw new Error('no mail path is configured (ELLIS_MAIL_WEBHOOK)')
  }
}
