/**
 * @module ellis/mail-config
 * Which mail path Ellis uses (issue 14 finding 4), decided from the bindings once per isolate:
 * - `ELLIS_MAIL_WEBHOOK` set: the webhook, which then needs `ELLIS_MAIL_WEBHOOK_SECRET` (at
 *   least 32 characters) to sign with, and an `https` URL (plain `http` only to a loopback
 *   host, for a relay beside the function);
 * - otherwise, in the local cloud (`EDGEWATER_ENV=local`): the outbox;
 * - otherwise: no mail path. Recovery mail is then refused with 503 and the error is logged, so
 *   a deployment never falls back to keeping recovery links where an operator can read them.
 */
import { z } from 'zod'
import { parseCachedConfig } from '../../shared/config/cached-config'
import { ConfigError, type RawEnv } from '../../shared/config/function-env'

export type MailSetup =
  | { kind: 'webhook'; url: string; secret: string }
  | { kind: 'outbox' }
  | { kind: 'none' }

export const MIN_MAIL_SECRET_LENGTH = 32

const schema = z.object({
  ELLIS_MAIL_WEBHOOK: z.url('must be an absolute URL').optional(),
  ELLIS_MAIL_WEBHOOK_SECRET: z.string().optional(),
  EDGEWATER_ENV: z.string().optional(),
})

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]'])

const parseMailSetup = parseCachedConfig(schema, 'Ellis mail', (o): MailSetup => {
  let setup: MailSetup
  if (o.ELLIS_MAIL_WEBHOOK) {
    const url = new URL(o.ELLIS_MAIL_WEBHOOK)
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK.has(url.hostname)))
      throw new ConfigError('ELLIS_MAIL_WEBHOOK must be an https URL.')
    const secret = o.ELLIS_MAIL_WEBHOOK_SECRET ?? ''
    if (secret.length < MIN_MAIL_SECRET_LENGTH)
      throw new ConfigError(
        `ELLIS_MAIL_WEBHOOK_SECRET must be set to at least ${MIN_MAIL_SECRET_LENGTH} characters when ELLIS_MAIL_WEBHOOK is.`
      )
    setup = { kind: 'webhook', url: url.href, secret }
  } else setup = o.EDGEWATER_ENV === 'local' ? { kind: 'outbox' } : { kind: 'none' }
  return setup
})

export function mailSetup(raw: RawEnv): MailSetup {
  return parseMailSetup(raw)
}
