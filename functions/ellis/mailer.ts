/**
 * @module ellis/mailer
 * How Ellis sends mail (password recovery links): a small {@link Mailer} interface with two
 * implementations. {@link WebhookMailer} posts each message as signed JSON to the configured
 * `ELLIS_MAIL_WEBHOOK` (a relay to SES, SendGrid or a team inbox). {@link OutboxMailer}, the
 * default and what the local cloud uses, writes the message to the log and keeps the last few
 * per address in the regional KV for an hour, where the API-key-only `GET /api/outbox/<email>`
 * shows them (tests and operators read recovery links there instead of a real inbox).
 */
import { signRequest } from '../../shared/hop/signature'
import type { Logger } from '../../shared/log/logger'
import type { RegionalKv } from '../../shared/vellum'
import type { OutboundFetch } from './ellis-deps'

export interface MailMessage {
  to: string
  subject: string
  text: string
  /** The one link the message is about (recovery), for logs and the outbox. */
  link?: string
}

export interface Mailer {
  readonly kind: 'outbox' | 'webhook'
  send(msg: MailMessage): Promise<void>
}

export const OUTBOX_TTL_S = 3600
export const OUTBOX_KEEP = 5

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
    this.log.info('mail (outbox mailer: not delivered, link logged)', {
      to: msg.to,
      subject: msg.subject,
      link: msg.link,
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

export class WebhookMailer implements Mailer {
  readonly kind = 'webhook'
  constructor(
    private readonly url: string,
    private readonly fetch: OutboundFetch,
    private readonly hopSecret: string,
    private readonly log: Logger
  ) {}

  async send(msg: MailMessage): Promise<void> {
    const body = JSON.stringify(msg)
    const res = await this.fetch(this.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(await signRequest(this.hopSecret, 'POST', this.url, body)),
      },
      body,
      signal: AbortSignal.timeout(5000),
    })
    if (!res.ok) {
      this.log.warn('mail webhook refused a message', { status: res.status, to: msg.to })
      throw new Error(`mail webhook answered ${res.status}`)
    }
  }
}
