/**
 * @module ellis/api-schemas
 * The zod schemas of the Ellis API: request bodies (checked by the handlers, with reasons that
 * name the field) and answers (documented in the OpenAPI document at `/api/openapi.json`). Field
 * rules follow clearwater-interfaces §1.3: password `.{6,}`, e-mail `[\w.]+@[\w.]+\w` (plus
 * `+` and `-`, which real addresses use), `expires` digits (days).
 */
import { z } from '@hono/zod-openapi'
import { ELLIS_LIMITS } from './ellis-config'

const required = (what: string) => ({
  error: (iss: { input: unknown }) => (iss.input === undefined ? 'is required' : `must be ${what}`),
})

export const EMAIL_RE = /^[\w.+-]+@[\w.-]*\w$/

export const emailField = z
  .string(required('a string'))
  .max(ELLIS_LIMITS.emailMaxLength, `must be at most ${ELLIS_LIMITS.emailMaxLength} characters`)
  .regex(EMAIL_RE, 'must look like name@domain')
  .openapi({ example: 'alice@example.com' })

export const passwordField = z
  .string(required('a string'))
  .min(
    ELLIS_LIMITS.passwordMinLength,
    `must be at least ${ELLIS_LIMITS.passwordMinLength} characters`
  )
  .max(
    ELLIS_LIMITS.passwordMaxLength,
    `must be at most ${ELLIS_LIMITS.passwordMaxLength} characters`
  )

export const AccountCreate = z
  .object({
    email: emailField,
    password: passwordField,
    full_name: z
      .string(required('a string'))
      .trim()
      .min(1, 'must not be empty')
      .max(
        ELLIS_LIMITS.fullNameMaxLength,
        `must be at most ${ELLIS_LIMITS.fullNameMaxLength} characters`
      ),
    expires: z
      .string()
      .regex(/^\d{1,5}$/, 'must be a number of days')
      .optional()
      .openapi({ description: 'days until the account expires (demo accounts)' }),
    signup_code: z.string().optional().openapi({ description: 'or the NGV-Signup-Code header' }),
  })
  .openapi('AccountCreate')

export const AccountAnswer = z
  .object({ username: z.string(), full_name: z.string() })
  .openapi('Account')

export const SessionCreate = z
  .object({
    email: emailField,
    password: z.string(required('a string')).max(ELLIS_LIMITS.passwordMaxLength),
  })
  .openapi('SessionCreate')

export const PasswordRecovery = z
  .object({
    recovery_token: z
      .string()
      .optional()
      .openapi({ description: 'or the NGV-Recovery-Token header' }),
    password: passwordField.optional().openapi({ description: 'or a text/plain body' }),
  })
  .openapi('PasswordRecovery')

export const NumberAnswer = z
  .object({
    number_id: z.string().openapi({ example: '0f3c6d1e9b0a4c8d8e2f1a3b5c7d9e0f' }),
    sip_uri: z.string().openapi({ example: 'sip:6505550001@example.com' }),
    sip_username: z.string(),
    number: z.string(),
    domain: z.string(),
    formatted_number: z.string(),
    pstn: z.boolean(),
    private_id: z.string(),
    gab_listed: z.number().int().optional(),
    sip_password: z
      .string()
      .optional()
      .openapi({ description: 'only when a private id was created' }),
  })
  .openapi('Number')

export const NumbersAnswer = z.object({ numbers: z.array(NumberAnswer) }).openapi('Numbers')

export const NumberAllocate = z
  .object({
    pstn: z.enum(['true', 'false']).optional(),
    private_id: z
      .string()
      .optional()
      .openapi({ description: 'an existing private id of this account' }),
  })
  .openapi('NumberAllocate')

export const SpecificNumber = z
  .object({
    private_id: z.string(required('a string')).min(1, 'must not be empty').max(256),
    new_private_id: z.enum(['true', 'false']).optional(),
    pstn: z.enum(['true', 'false']).optional(),
  })
  .openapi('SpecificNumber')

export const SipPasswordAnswer = z.object({ sip_password: z.string() }).openapi('SipPassword')
export const ListedAnswer = z.object({ gab_listed: z.number().int() }).openapi('Listed')

export const GabAnswer = z
  .object({
    contacts: z.array(
      z.object({ email: z.string(), full_name: z.string(), numbers: z.array(z.string()) })
    ),
  })
  .openapi('AddressBook')

export const ErrorAnswer = z
  .object({
    error: z.literal(true),
    status: z.number().int(),
    message: z.string(),
    reason: z.string(),
    detail: z.record(z.string(), z.unknown()),
  })
  .openapi('Error')

export const Empty = z.object({}).openapi('Empty')

const ShardRow = z.object({
  shard: z.number().int(),
  owner: z.enum(['a', 'b']),
  home: z.enum(['a', 'b']),
  epoch: z.number().int(),
})
export const ShardsAnswer = z
  .object({
    region: z.enum(['a', 'b']),
    numbers: z.array(ShardRow),
    accounts: z.array(ShardRow),
  })
  .openapi('Shards')

export const RebalanceAnswer = z
  .object({ askedBack: z.number().int(), handedBack: z.number().int() })
  .openapi('Rebalance')

export const OutboxAnswer = z
  .object({
    messages: z.array(
      z.object({
        to: z.string(),
        subject: z.string(),
        text: z.string(),
        link: z.string().optional(),
        sentMs: z.number(),
      })
    ),
  })
  .openapi('Outbox')

// ---- path parameters ----

export const EmailParam = z.object({
  email: z.string().openapi({ param: { name: 'email', in: 'path' }, example: 'alice@example.com' }),
})
export const NumberParams = EmailParam.extend({
  sip_uri: z
    .string()
    .openapi({ param: { name: 'sip_uri', in: 'path' }, example: 'sip:6505550001@example.com' }),
})
export const ListedParams = NumberParams.extend({
  flag: z.enum(['0', '1']).openapi({ param: { name: 'flag', in: 'path' } }),
})

/** Checks `input` against `schema`; a 400 reason names each failing field. */
export function check<S extends z.ZodType>(
  schema: S,
  input: unknown
): { ok: true; value: z.infer<S> } | { ok: false; reason: string } {
  const r = schema.safeParse(input)
  if (r.success) return { ok: true, value: r.data }
  return {
    ok: false,
    reason: r.error.issues
      .map((i) => `${i.path.length ? i.path.join('.') : '(body)'}: ${i.message}`)
      .join('; '),
  }
}
