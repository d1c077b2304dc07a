/**
 * @module sprout/routing/routing-config
 * Call routing's settings in one place (contributing §4), each an optional raw binding with the
 * Clearwater default (clearwater-interfaces §5.6–5.9, §11), parsed once per isolate with zod so a
 * bad value fails the first request naming it:
 *
 * - `RR_LEVEL`: where Sprout record-routes (`pcscf`: start of originating and end of terminating
 *   handling; `pcscf,icscf` adds the end of originating and start of terminating; `pcscf,icscf,as`
 *   adds every AS hop);
 * - `DEFAULT_TEL_URI_TRANSLATION`, `ENUM_JSON` (enum.json), `ENFORCE_USER_PHONE`,
 *   `ENFORCE_GLOBAL_ONLY_LOOKUPS`, `BGCF_JSON` (bgcf.json): number translation and off-net routes;
 * - `SESSION_EXPIRES_S`, `MIN_SE_S`: RFC 4028 session timers;
 * - `MAX_FORKS`, `TIMER_C_MS` (RFC 3261 §16.6 step 11: over 3 minutes), `TIMER_C_MARGIN_MS` (how
 *   much later than that Timer C is armed, so provisional responses rarely need to reset it,
 *   forwarder.ts), `AS_CONTINUED_TIMEOUT_MS`, `AS_TERMINATED_TIMEOUT_MS`;
 * - `HOME_COUNTRY_CODE` (international barring), `MMTEL_HOST` (built-in MMTEL's name);
 * - `CHARGING`: `on` (Sprout writes its call records itself, shared/ralf/call-record.ts), `ralf`
 *   (ACRs to Ralf over HTTP, for a deployment whose Dime delivers CDRs to a CDF) or `off`;
 *   `CDF_IDENTITY` (the CCF when the HSS names none); `INTERIM_INTERVAL_S` (interim accounting
 *   interval of Sprout's own records, Ralf's default); `CHARGING_RETRY_MS` (how long an INTERIM
 *   or STOP that read no call record waits before its one retry: one whose dialog carried no
 *   good charging token, charging/charging-token.ts);
 * - `TX_TTL_S`: life of a transaction record;
 * - `SCSCF_JSON` (Clearwater's s-cscf.json): the S-CSCFs the I-CSCF may choose by capabilities
 *   (icscf.ts, scscf-selection.ts); `ICSCF_MAX_ATTEMPTS`: S-CSCFs one request may be offered to;
 * - `TRUNK_URLS`: the SIP trunk adapters by name (`<name>.trunk.edgewater.internal`,
 *   docs/trunk.md), which BGCF routes name.
 */
import { z } from 'zod'
import { parseCachedConfig } from '../../../shared/config/cached-config'
import type { RawEnv } from '../../../shared/config/function-env'
import type { BgcfRoute, EnumBlock } from '../../../shared/ims/number-translation'
import { type ScscfEntry, scscfShape } from './scscf-selection'

const flag = (def: '0' | '1') =>
  z
    .enum(['0', '1', 'true', 'false', 'Y', 'N'])
    .default(def)
    .transform((v) => v === '1' || v === 'true' || v === 'Y')

const jsonOf = <T extends z.ZodType>(name: string, shape: T, empty: z.infer<T>) =>
  z
    .string()
    .optional()
    .transform((s, ctx) => {
      if (s === undefined || s.trim() === '') return empty
      try {
        return JSON.parse(s) as unknown
      } catch {
        ctx.addIssue({ code: 'custom', message: `${name} is not JSON` })
        return z.NEVER
      }
    })
    .pipe(shape)

const enumShape = z.object({
  number_blocks: z.array(
    z.object({ name: z.string().optional(), prefix: z.string(), regex: z.string().min(3) })
  ),
})
const bgcfShape = z.object({
  routes: z.array(
    z.object({
      name: z.string().optional(),
      domain: z.string().optional(),
      number: z.string().optional(),
      route: z.array(z.string().regex(/^sips?:/i, 'route entries must be SIP URIs')),
    })
  ),
})

const schema = z.object({
  RR_LEVEL: z.enum(['pcscf', 'pcscf,icscf', 'pcscf,icscf,as']).default('pcscf'),
  DEFAULT_TEL_URI_TRANSLATION: flag('1'),
  ENFORCE_USER_PHONE: flag('0'),
  ENFORCE_GLOBAL_ONLY_LOOKUPS: flag('0'),
  ENUM_JSON: jsonOf('ENUM_JSON', enumShape, { number_blocks: [] }),
  BGCF_JSON: jsonOf('BGCF_JSON', bgcfShape, { routes: [] }),
  SESSION_EXPIRES_S: z.coerce.number().int().min(90).default(600),
  MIN_SE_S: z.coerce.number().int().min(90).default(90),
  MAX_FORKS: z.coerce.number().int().min(1).max(100).default(10),
  TIMER_C_MS: z.coerce.number().int().min(1_000).default(181_000),
  TIMER_C_MARGIN_MS: z.coerce.number().int().min(0).default(60_000),
  AS_CONTINUED_TIMEOUT_MS: z.coerce.number().int().min(100).default(2_000),
  AS_TERMINATED_TIMEOUT_MS: z.coerce.number().int().min(100).default(4_000),
  HOME_COUNTRY_CODE: z
    .string()
    .regex(/^\d{1,4}$/)
    .default('1'),
  MMTEL_HOST: z.string().optional(),
  CHARGING: z.enum(['on', 'ralf', 'off']).default('on'),
  INTERIM_INTERVAL_S: z.coerce.number().int().min(60).default(300),
  CHARGING_RETRY_MS: z.coerce.number().int().min(0).max(10_000).default(1_000),
  CDF_IDENTITY: z.string().optional(),
  TX_TTL_S: z.coerce.number().int().min(60).default(300),
  SCSCF_JSON: jsonOf('SCSCF_JSON', scscfShape, { 's-cscfs': [] }),
  ICSCF_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(10).default(3),
  TRUNK_URLS: jsonOf(
    'TRUNK_URLS',
    z.record(z.string().regex(/^[a-z0-9-]+$/i, 'trunk names are DNS labels'), z.string().url()),
    {}
  ),
})

export interface RoutingConfig {
  rrLevel: 'pcscf' | 'pcscf,icscf' | 'pcscf,icscf,as'
  defaultTelUriTranslation: boolean
  enforceUserPhone: boolean
  enforceGlobalOnly: boolean
  enumBlocks: EnumBlock[]
  bgcfRoutes: BgcfRoute[]
  sessionExpiresS: number
  minSeS: number
  maxForks: number
  timerCMs: number
  timerCMarginMs: number
  asContinuedTimeoutMs: number
  asTerminatedTimeoutMs: number
  homeCountryCode: string
  mmtelHost: string | undefined
  charging: 'on' | 'ralf' | 'off'
  interimIntervalS: number
  chargingRetryMs: number
  cdfIdentity: string | undefined
  txTtlS: number
  /** s-cscf.json: the S-CSCFs the I-CSCF chooses from when Homestead names none. */
  scscfs: ScscfEntry[]
  icscfMaxAttempts: number
  /** SIP trunk adapters by name → their signed `/sip` URL. */
  trunkUrls: Record<string, string>
}

const parseRoutingConfigCached = parseCachedConfig(schema, 'routing', (c): RoutingConfig => {
  const out: RoutingConfig = {
    rrLevel: c.RR_LEVEL,
    defaultTelUriTranslation: c.DEFAULT_TEL_URI_TRANSLATION,
    enforceUserPhone: c.ENFORCE_USER_PHONE,
    enforceGlobalOnly: c.ENFORCE_GLOBAL_ONLY_LOOKUPS,
    enumBlocks: c.ENUM_JSON.number_blocks,
    bgcfRoutes: c.BGCF_JSON.routes,
    sessionExpiresS: c.SESSION_EXPIRES_S,
    minSeS: c.MIN_SE_S,
    maxForks: c.MAX_FORKS,
    timerCMs: c.TIMER_C_MS,
    timerCMarginMs: c.TIMER_C_MARGIN_MS,
    asContinuedTimeoutMs: c.AS_CONTINUED_TIMEOUT_MS,
    asTerminatedTimeoutMs: c.AS_TERMINATED_TIMEOUT_MS,
    homeCountryCode: c.HOME_COUNTRY_CODE,
    mmtelHost: c.MMTEL_HOST,
    charging: c.CHARGING,
    interimIntervalS: c.INTERIM_INTERVAL_S,
    chargingRetryMs: c.CHARGING_RETRY_MS,
    cdfIdentity: c.CDF_IDENTITY,
    txTtlS: c.TX_TTL_S,
    scscfs: c.SCSCF_JSON['s-cscfs'],
    icscfMaxAttempts: c.ICSCF_MAX_ATTEMPTS,
    trunkUrls: c.TRUNK_URLS,
  }
  return out
})

export function parseRoutingConfig(raw: RawEnv): RoutingConfig {
  return parseRoutingConfigCached(raw)
}

export const defaultRoutingConfig = (): RoutingConfig => parseRoutingConfig({})
