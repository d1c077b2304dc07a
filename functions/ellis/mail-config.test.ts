import { describe, expect, it } from 'vitest'
import { ConfigError } from '../../shared/config/function-env'
import { mailSetup } from './mail-config'

const SECRET = 'm'.repeat(32)

describe('mailSetup (which mail path a deployment uses)', () => {
  it('uses the signed webhook when one is configured', () => {
    expect(
      mailSetup({
        ELLIS_MAIL_WEBHOOK: 'https://relay.example/mail',
        ELLIS_MAIL_WEBHOOK_SECRET: SECRET,
      })
    ).toEqual({ kind: 'webhook', url: 'https://relay.example/mail', secret: SECRET })
    expect(
      mailSetup({
        ELLIS_MAIL_WEBHOOK: 'http://127.0.0.1:9000/m',
        ELLIS_MAIL_WEBHOOK_SECRET: SECRET,
      }).kind
    ).toBe('webhook')
  })

  it('keeps the outbox for the local cloud only; elsewhere there is no mail path', () => {
    expect(mailSetup({ EDGEWATER_ENV: 'local' })).toEqual({ kind: 'outbox' })
    expect(mailSetup({})).toEqual({ kind: 'none' })
    expect(mailSetup({ EDGEWATER_ENV: 'production' })).toEqual({ kind: 'none' })
  })

  it('refuses a webhook without its own secret, with a short one, or over plain http', () => {
    expect(() => mailSetup({ ELLIS_MAIL_WEBHOOK: 'https://relay.example/mail' })).toThrow(
      /ELLIS_MAIL_WEBHOOK_SECRET/
    )
    expect(() =>
      mailSetup({
        ELLIS_MAIL_WEBHOOK: 'https://relay.example/m',
        ELLIS_MAIL_WEBHOOK_SECRET: 'short',
      })
    ).toThrow(ConfigError)
    expect(() =>
      mailSetup({ ELLIS_MAIL_WEBHOOK: 'http://relay.example/m', ELLIS_MAIL_WEBHOOK_SECRET: SECRET })
    ).toThrow(/https/)
  })
})
