/**
 * @module infra/aws/function-settings
 * Every setting a function reads from its environment, and which functions read it: the
 * catalogue the regional stack wires from the deployment configuration (deploy-config.ts).
 * `derived` settings are computed by the stack (addresses, regions, names); `secret` ones come
 * from Secrets Manager at cold start (shared/config/lambda-secrets.ts), never from a plain
 * environment variable; `tunable` ones are optional overrides whose defaults live in the
 * function's own config module (the file named in `source`). `sample` is a valid value, used by
 * the tests to prove each setting reaches every function that reads it.
 */
import type { FunctionName } from '../../shared/config/regions'

export type SettingKind = 'derived' | 'secret' | 'tunable'

export interface SettingSpec {
  kind: SettingKind
  /** The functions whose configuration reads it. */
  readers: readonly FunctionName[]
  /** The config module that parses it (and holds its default). */
  source: string
  /** For secrets: which Secrets Manager secret holds it (`core` for all, `ellis` for Ellis). */
  secret?: 'core' | 'ellis'
  /** For secrets: absent outside a rotation. */
  optional?: boolean
  /** A valid value (tunable settings), for the tests and the example configuration. */
  sample?: string
  /**
   * Tunable settings the edge worker reads too: `npm run deploy` passes an overridden value to
   * `wrangler deploy` as a `--var` (infra/deploy/deploy.ts), so the edge and the functions agree.
   */
  edge?: boolean
}

const ALL: readonly FunctionName[] = ['sprout', 'dime', 'homer', 'ellis', 'timers']
const FN_ENV = 'shared/config/function-env.ts'
const HSS: readonly FunctionName[] = ['sprout', 'dime']
const TIMER_USERS: readonly FunctionName[] = ['sprout', 'dime', 'timers']

const derived = (readers: readonly FunctionName[] = ALL, source = FN_ENV): SettingSpec => ({
  kind: 'derived',
  readers,
  source,
})
const tunable = (
  readers: readonly FunctionName[],
  source: string,
  sample: string
): SettingSpec => ({
  kind: 'tunable',
  readers,
  source,
  sample,
})
const secret = (
  group: 'core' | 'ellis',
  readers: readonly FunctionName[],
  source: string,
  optional = false
): SettingSpec => ({ kind: 'secret', readers, source, secret: group, optional })

const sprout = (s: string) => tunable(['sprout'], 'functions/sprout/sprout-config.ts', s)
const routing = (s: string) => tunable(['sprout'], 'functions/sprout/routing/routing-config.ts', s)
const ellis = (file: string, s: string) => tunable(['ellis'], `functions/ellis/${file}`, s)
const MEMENTO_AS = 'functions/sprout/memento/memento-config.ts'
const TRACE = 'shared/trace/trace-config.ts'
/** Call traces: recorded by the edge and Sprout, stored and exported by Ellis (docs/operations.md). */
const trace = (s: string): SettingSpec => ({
  ...tunable(['sprout', 'ellis'], TRACE, s),
  edge: true,
})
const MEMENTO_API = 'functions/homer/call-list/call-list-config.ts'

export const FUNCTION_SETTINGS = {
  // shared/config/function-env.ts: the deployment's shape, derived by the stack.
  REGION: derived(),
  HOME_DOMAIN: derived(),
  FUNCTION_URLS: derived(),
  EDGE_URL: derived(),
  KV_URL: derived(),
  KV_REMOTE_URL: derived(),
  DYNAMO_TABLE: derived(),
  DYNAMO_REGION: derived(),
  SCHEDULER_REGION: derived(),
  SCHEDULER_REMOTE_REGION: derived(),
  SCHEDULER_GROUP: derived(),
  SCHEDULER_ROLE_ARN: derived(),
  TIMERS_TARGET_ARN: derived(),
  TIMERS_REMOTE_TARGET_ARN: derived(),
  SCHEDULER_DLQ_ARN: derived(TIMER_USERS),
  SCHEDULER_REMOTE_DLQ_ARN: derived(TIMER_USERS),
  HOP_MAX_SKEW_MS: tunable(ALL, FN_ENV, '10000'),
  HOP_REPLAY_CAPACITY: tunable(ALL, FN_ENV, '8192'),
  LOG_LEVEL: tunable(ALL, FN_ENV, 'info'),
  KV_RESYNC_BATCH: tunable(ALL, FN_ENV, '25'),
  KV_RESYNC_RUN_TIMEOUT_MS: tunable(ALL, FN_ENV, '500'),
  KV_RESYNC_RUN_INTERVAL_MS: tunable(ALL, FN_ENV, '2000'),
  KV_RESYNC_PEER_RETRY_MS: tunable(ALL, FN_ENV, '2000'),
  KV_RESYNC_QUIET_CHECK_MS: tunable(ALL, FN_ENV, '10000'),
  KV_RESYNC_HINTS_TTL_S: tunable(ALL, FN_ENV, '86400'),
  // Secrets every function checks at start-up (shared/config/secrets.ts).
  HOP_SECRET: secret('core', ALL, FN_ENV),
  HOP_SECRET_PREVIOUS: secret('core', ALL, FN_ENV, true),
  KV_TOKEN: secret('core', ALL, FN_ENV),
  KV_REMOTE_TOKEN: secret('core', ALL, FN_ENV),
  SIGNUP_CODE: secret('core', ALL, FN_ENV),
  ELLIS_API_KEY: secret('core', ALL, FN_ENV),
  // Sprout (functions/sprout/sprout-config.ts).
  HOP_PROBE_MS: sprout('4000'),
  HOP_ANSWER_LIMIT_MS: sprout('32000'),
  REG_MAX_EXPIRES: sprout('300'),
  REG_EMERGENCY_MAX_EXPIRES: sprout('300'),
  // The edge reads it too: a REGISTER asking for less goes to Sprout unchallenged (its 423).
  REG_MIN_EXPIRES: { ...sprout('0'), edge: true },
  REG_MAX_BINDINGS: sprout('20'),
  SUB_MAX_EXPIRES: sprout('3761'),
  SUB_DEFAULT_EXPIRES: sprout('3761'),
  SUB_MAX_PER_AOR: sprout('20'),
  REG_EVENT_WATCHERS: sprout('irs'),
  AUTH_CHALLENGE_SECONDS: sprout('40'),
  AUTH_MAX_FAILURES_IMPI: sprout('5'),
  AUTH_MAX_FAILURES_SOURCE: sprout('20'),
  AUTH_FAILURE_WINDOW_SECONDS: sprout('300'),
  HSS_TIMEOUT_MS: sprout('2000'),
  SPROUT_HSS_MODE: sprout('local'),
  SPROUT_PARSED_SUBSCRIPTIONS: sprout('256'),
  AS_URLS: sprout('{"mmtel":"https://as.example.net/sip"}'),
  SIP_SETTLE_MS: sprout('1000'),
  // Sprout's routing (functions/sprout/routing/routing-config.ts).
  RR_LEVEL: routing('pcscf'),
  DEFAULT_TEL_URI_TRANSLATION: routing('1'),
  ENFORCE_USER_PHONE: routing('0'),
  ENFORCE_GLOBAL_ONLY_LOOKUPS: routing('0'),
  ENUM_JSON: routing('{"number_blocks":[]}'),
  BGCF_JSON: routing('{"routes":[]}'),
  SESSION_EXPIRES_S: routing('600'),
  MIN_SE_S: routing('90'),
  MAX_FORKS: routing('10'),
  TIMER_C_MS: routing('181000'),
  TIMER_C_MARGIN_MS: routing('60000'),
  AS_CONTINUED_TIMEOUT_MS: routing('2000'),
  AS_TERMINATED_TIMEOUT_MS: routing('4000'),
  HOME_COUNTRY_CODE: routing('1'),
  MMTEL_HOST: routing('mmtel.example.com'),
  CHARGING: routing('on'),
  INTERIM_INTERVAL_S: routing('300'),
  CHARGING_RETRY_MS: routing('1000'),
  CDF_IDENTITY: routing('cdf.example.com'),
  TX_TTL_S: routing('300'),
  SCSCF_JSON: routing(
    '{"s-cscfs":[{"server":"sip:scscf.example.com;transport=tcp","priority":0,"weight":100,"capabilities":[1,2]}]}'
  ),
  ICSCF_MAX_ATTEMPTS: routing('3'),
  TRUNK_URLS: routing('{"carrier":"https://trunk.example.net/sip"}'),
  // Homestead, in Dime and in process in Sprout (shared/homestead/homestead-config.ts).
  DIME_MAX_IDENTITY_BYTES: tunable(HSS, 'shared/homestead/homestead-config.ts', '512'),
  SCSCF_URI: tunable(HSS, 'shared/homestead/homestead-config.ts', 'sip:scscf.example.com'),
  CHARGING_CCFS: tunable(HSS, 'shared/homestead/homestead-config.ts', 'ccf1.example.com'),
  CHARGING_ECFS: tunable(HSS, 'shared/homestead/homestead-config.ts', 'ecf1.example.com'),
  // Dime (functions/dime/dime-config.ts, request-limits.ts).
  CDF_URL: tunable(['dime'], 'functions/dime/dime-config.ts', 'https://cdf.example.net/rf'),
  DIME_LISTING_PAUSE_MS: tunable(['dime'], 'functions/dime/dime-config.ts', '1000'),
  IFC_MAX_PATTERN_LENGTH: tunable(['dime'], 'functions/dime/dime-config.ts', '256'),
  IFC_MAX_PATTERN_PROGRAM: tunable(['dime'], 'functions/dime/dime-config.ts', '500'),
  DIME_MAX_BODY_BYTES: tunable(['dime'], 'functions/dime/request-limits.ts', '65536'),
  // Homer (functions/homer/homer-config.ts).
  HOMER_UT_FAILURES_BEFORE_SLOWDOWN: tunable(['homer'], 'functions/homer/homer-config.ts', '10'),
  HOMER_UT_SLOWDOWN_INTERVAL_S: tunable(['homer'], 'functions/homer/homer-config.ts', '60'),
  // Memento: the built-in call-list AS in Sprout, the call-list API in Homer (docs/memento.md).
  MEMENTO_HOST: tunable(['sprout'], MEMENTO_AS, 'memento.example.com'),
  MEMENTO_TTL_S: tunable(['sprout'], MEMENTO_AS, '604800'),
  MEMENTO_NOTIFY_URL: tunable(['sprout'], MEMENTO_AS, 'https://notify.example.net/call-lists'),
  MEMENTO_MAX_PARTY_CHARS: tunable(['sprout'], MEMENTO_AS, '256'),
  MEMENTO_MAX_CALLS: tunable(['homer'], MEMENTO_API, '200'),
  MEMENTO_READ_FRAGMENTS: tunable(['homer'], MEMENTO_API, '5000'),
  HOMER_API_KEY_FAILURES: tunable(['homer'], MEMENTO_API, '10'),
  // Call traces (shared/trace/trace-config.ts); the edge reads them too (`edge`).
  TRACE_ALL: trace('0'),
  TRACE_SAMPLE_RATE: trace('0.01'),
  TRACE_TTL_S: trace('86400'),
  TRACE_BODY_POLICY: trace('headers'),
  TRACE_MAX_MESSAGE_BYTES: trace('16384'),
  TRACE_BUFFER_TRACES: trace('512'),
  TRACE_BUFFER_NOTES: trace('64'),
  TRACE_BUFFER_MS: trace('300000'),
  TRACE_KEEP_MS: trace('32000'),
  TRACE_BUFFER_BYTES: trace('8388608'),
  TRACE_FLOW_BUFFER_BYTES: trace('262144'),
  TRACE_FLAGS_REFRESH_S: trace('0'),
  OTLP_URL: trace('https://otel.example.net/v1/traces'),
  // Ellis (functions/ellis/*-config.ts).
  ELLIS_NUMBER_POOL: ellis(
    'ellis-config.ts',
    '[{"from":"6505550000","to":"6505550999","pstn":false}]'
  ),
  ELLIS_PBKDF2_ITERATIONS: ellis('ellis-config.ts', '600000'),
  ELLIS_PORTAL_URL: ellis('ellis-config.ts', 'https://sip.example.com/'),
  ELLIS_READ_YOUR_WRITES_MS: ellis('ellis-config.ts', '2000'),
  ELLIS_COOKIE_SECRET: secret('ellis', ['ellis'], 'functions/ellis/ellis-config.ts'),
  ELLIS_COOKIE_SECRET_PREVIOUS: secret('ellis', ['ellis'], 'functions/ellis/ellis-config.ts', true),
  // Required in a deployment (deploy-config.ts `mailWebhook`): without it Ellis has no mailer.
  ELLIS_MAIL_WEBHOOK: derived(['ellis'], 'functions/ellis/mail-config.ts'),
  ELLIS_MAIL_WEBHOOK_SECRET: secret('ellis', ['ellis'], 'functions/ellis/mail-config.ts'),
  ELLIS_LOGIN_FAILURES_PER_SOURCE: ellis('throttle-config.ts', '20'),
  ELLIS_LOGIN_FAILURES_PER_CLIENT: ellis('throttle-config.ts', '10'),
  ELLIS_LOGIN_SLOWDOWN_AFTER: ellis('throttle-config.ts', '5'),
  ELLIS_LOGIN_SLOWDOWN_INTERVAL_S: ellis('throttle-config.ts', '60'),
  ELLIS_SIGNUP_CODE_FAILURES: ellis('throttle-config.ts', '10'),
  // The softphone's ICE servers (functions/ellis/ice-config.ts, docs/media.md).
  ICE_STUN_URLS: ellis('ice-config.ts', 'stun:stun.example.com:3478'),
  ICE_TURN_URLS: ellis('ice-config.ts', 'turn:turn.example.com:3478?transport=udp'),
  ICE_TURN_TTL_S: ellis('ice-config.ts', '86400'),
  ICE_TURN_SECRET: secret('ellis', ['ellis'], 'functions/ellis/ice-config.ts', true),
  // Timers (functions/timers/timers-config.ts); Sprout and Dime set timers through Vellum too.
  TIMER_BACKUP_MARGIN_S: tunable(TIMER_USERS, 'functions/timers/timers-config.ts', '60'),
  TIMER_PRIMARY_LEAD_S: tunable(TIMER_USERS, 'functions/timers/timers-config.ts', '0'),
  TIMER_MAX_DURATION_S: tunable(['timers'], 'functions/timers/timers-config.ts', '2592000'),
  TIMER_MAX_OPAQUE_BYTES: tunable(['timers'], 'functions/timers/timers-config.ts', '16384'),
} as const satisfies Record<string, SettingSpec>

export type SettingName = keyof typeof FUNCTION_SETTINGS

/**
 * Settings the functions read only in the local cloud (endpoints of the emulators, static
 * credentials, the clock header, the test application server, the `local` marker): a deployment
 * never sets them.
 */
export const LOCAL_ONLY_SETTINGS = [
  'EDGEWATER_ENV',
  'DYNAMO_ENDPOINT',
  'SCHEDULER_ENDPOINT',
  'SCHEDULER_REMOTE_ENDPOINT',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'TRUST_CLOCK_HEADER',
  'SPROUT_TEST_AS',
  'FUNCTION_URL_ALIASES',
] as const

export const TUNABLE_SETTINGS = (Object.keys(FUNCTION_SETTINGS) as SettingName[]).filter(
  (k) => FUNCTION_SETTINGS[k].kind === 'tunable'
)

/** The secrets of one Secrets Manager secret, and which functions may read it. */
export function secretNames(group: 'core' | 'ellis'): SettingName[] {
  return (Object.keys(FUNCTION_SETTINGS) as SettingName[]).filter(
    (k) => (FUNCTION_SETTINGS[k] as SettingSpec).secret === group
  )
}

export function readsSetting(fn: FunctionName, name: SettingName): boolean {
  return FUNCTION_SETTINGS[name].readers.includes(fn)
}
