/**
 * @module config/lambda-secrets
 * The Lambda entries' cold-start secret loader. A deployed function's environment names its
 * Secrets Manager secrets in {@link SECRET_IDS_VAR} (comma-separated ARNs; infra/aws); each is a
 * JSON object of settings (`{"HOP_SECRET": "…", …}`). They are read once per cold start, before
 * the configuration is parsed, and merged into the environment without replacing a value already
 * there. A failure stops the cold start (the init error names the secret), like any missing
 * setting. No SDK: one SigV4-signed `GetSecretValue` POST per secret (AWS Signature Version 4,
 * "Create a signed AWS API request"), with the credentials Lambda puts in the environment.
 */

/** Comma-separated Secrets Manager secret ARNs to load at cold start. */
export const SECRET_IDS_VAR = 'EDGEWATER_SECRET_IDS'
/** Overrides the Secrets Manager endpoint (tests; a VPC endpoint). */
export const SECRETS_ENDPOINT_VAR = 'EDGEWATER_SECRETS_ENDPOINT'

export class SecretLoadError extends Error {
  override name = 'SecretLoadError'
}

type Env = Record<string, string | undefined>

export interface LoadSecretsOptions {
  fetch?: typeof fetch
  /** The signing time (default: now). */
  now?: () => Date
}

const enc = new TextEncoder()

const hex = (b: ArrayBuffer) =>
  Array.from(new Uint8Array(b), (x) => x.toString(16).padStart(2, '0')).join('')

async function sha256(s: string): Promise<string> {
  return hex(await crypto.subtle.digest('SHA-256', enc.encode(s)))
}

async function hmac(key: ArrayBuffer | Uint8Array<ArrayBuffer>, s: string): Promise<ArrayBuffer> {
  const k = await crypto.subtle.importKey('raw', key, { name: 'HMAC', hash: 'SHA-256' }, false, [
    'sign',
  ])
  return crypto.subtle.sign('HMAC', k, enc.encode(s))
}

export interface SigV4Request {
  method: string
  url: string
  headers: Record<string, string>
  body: string
  region: string
  service: string
  accessKeyId: string
  secretAccessKey: string
  sessionToken?: string
  date: Date
}

/** The request's headers with `x-amz-date`, the session token and `authorization` added. */
export async function signV4(r: SigV4Request): Promise<Record<string, string>> {
  const u = new URL(r.url)
  const amzDate = r.date
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '')
  const day = amzDate.slice(0, 8)
  const headers: Record<string, string> = { ...r.headers, host: u.host, 'x-amz-date': amzDate }
  if (r.sessionToken) headers['x-amz-security-token'] = r.sessionToken
  const names = Object.keys(headers)
    .map((h) => h.toLowerCase())
    .sort()
  const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]))
  const canonicalHeaders = names.map((n) => `${n}:${String(lower[n]).trim()}\n`).join('')
  const signedHeaders = names.join(';')
  const query = [...u.searchParams.entries()]
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
    .sort()
    .join('&')
  const canonical = [
    r.method,
    u.pathname || '/',
    query,
    canonicalHeaders,
    signedHeaders,
    await sha256(r.body),
  ].join('\n')
  const scope = `${day}/${r.region}/${r.service}/aws4_request`
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, await sha256(canonical)].join('\n')
  let key = await hmac(enc.encode(`AWS4${r.secretAccessKey}`), day)
  for (const part of [r.region, r.service, 'aws4_request']) key = await hmac(key, part)
  const signature = hex(await hmac(key, toSign))
  headers.authorization = `AWS4-HMAC-SHA256 Credential=${r.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`
  return headers
}

/** The region of a Secrets Manager ARN (`arn:aws:secretsmanager:<region>:…`). */
function regionOf(id: string, env: Env): string {
  const fromArn = id.startsWith('arn:') ? id.split(':')[3] : undefined
  const region = fromArn || env.AWS_REGION
  if (!region) throw new SecretLoadError(`cannot tell the region of secret ${id}`)
  return region
}

async function getSecret(id: string, env: Env, o: LoadSecretsOptions): Promise<Env> {
  const region = regionOf(id, env)
  const url = env[SECRETS_ENDPOINT_VAR] || `https://secretsmanager.${region}.amazonaws.com/`
  const body = JSON.stringify({ SecretId: id })
  const { AWS_ACCESS_KEY_ID: accessKeyId, AWS_SECRET_ACCESS_KEY: secretAccessKey } = env
  if (!accessKeyId || !secretAccessKey)
    throw new SecretLoadError(`no AWS credentials in the environment to read secret ${id}`)
  const headers = await signV4({
    method: 'POST',
    url,
    headers: {
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': 'secretsmanager.GetSecretValue',
    },
    body,
    region,
    service: 'secretsmanager',
    accessKeyId,
    secretAccessKey,
    sessionToken: env.AWS_SESSION_TOKEN,
    date: (o.now ?? (() => new Date()))(),
  })
  const res = await (o.fetch ?? fetch)(url, { method: 'POST', headers, body })
  const text = await res.text()
  if (!res.ok)
    throw new SecretLoadError(`reading secret ${id}: ${res.status} ${text.slice(0, 200)}`)
  const { SecretString } = JSON.parse(text) as { SecretString?: string }
  let values: unknown
  try {
    values = JSON.parse(SecretString ?? '')
  } catch {
    throw new SecretLoadError(`secret ${id} is not a JSON object of settings`)
  }
  if (!values || typeof values !== 'object' || Array.isArray(values))
    throw new SecretLoadError(`secret ${id} is not a JSON object of settings`)
  for (const [k, v] of Object.entries(values))
    if (typeof v !== 'string') throw new SecretLoadError(`secret ${id}: ${k} must be a string`)
  return values as Env
}

/**
 * Loads the secrets named in `env[SECRET_IDS_VAR]` into `env` (values already set win). Does
 * nothing when the variable is unset (the local cloud, tests).
 */
export async function loadColdStartSecrets(env: Env, o: LoadSecretsOptions = {}): Promise<void> {
  const ids = (env[SECRET_IDS_VAR] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
  const all = await Promise.all(ids.map((id) => getSecret(id, env, o)))
  for (const values of all)
    for (const [k, v] of Object.entries(values)) if (env[k] === undefined) env[k] = v
}
