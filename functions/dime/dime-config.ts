/**
 * @module dime/dime-config
 * Dime's settings: the shared function configuration plus a few optional bindings only Dime
 * reads (parsed here with zod, once per isolate): where to send CDRs (`CDF_URL`), the S-CSCF name
 * the I-CSCF queries return (`SCSCF_URI`), the charging function addresses put in reg-data
 * (`CHARGING_CCFS`, `CHARGING_ECFS`), the pause between chunks of the public-id listing
 * (`DIME_LISTING_PAUSE_MS`), and tighter limits on iFC trigger patterns accepted at provisioning
 * (`IFC_MAX_PATTERN_LENGTH`, `IFC_MAX_PATTERN_PROGRAM`). Timing constants of Homestead and Ralf
 * live here too.
 */
import { z } from 'zod'
import { parseCachedConfig } from '../../shared/config/cached-config'
import type { FunctionEnv, RawEnv } from '../../shared/config/function-env'
import {
  DEFAULT_IFC_PATTERN_LIMITS,
  type IfcPatternLimits,
  tightenedLimits,
} from '../../shared/ims/ifc-pattern'
import type { ChargingAddresses } from '../../shared/ims/reg-data-xml'

/** Clearwater `hss_reregistration_time` default: re-read the profile after this (seconds). */
export const HSS_REREGISTRATION_TIME_S = 1800
/** Homestead cache TTL: twice the re-registration time (clearwater-interfaces §9.4, §11). */
export const CACHE_TTL_S = 2 * HSS_REREGISTRATION_TIME_S
/** Homestead-prov paces its full listing with a 1 s pause per chunk (crest public.py). */
export const DEFAULT_LISTING_PAUSE_MS = 1000
/** Default `chunk-proportion` of the listing (crest public.py). */
export const DEFAULT_LISTING_CHUNKS = 256
/** Interim interval used when no CDF proposes one (seconds). */
export const DEFAULT_INTERIM_INTERVAL_S = 300
/** Time allowed to the CDF and to Sprout for one request. */
export const OUTBOUND_TIMEOUT_MS = 2000

const csv = z
  .string()
  .optional()
  .transform((s) =>
    (s ?? '')
      .split(',')
      .map((x) => x.trim())
      .filter((x) => x.length > 0)
  )

const dimeSchema = z.object({
  CDF_URL: z.url('CDF_URL must be an absolute URL').optional(),
  SCSCF_URI: z
    .string()
    .regex(/^sips?:/, 'SCSCF_URI must be a sip: URI')
    .optional(),
  CHARGING_CCFS: csv,
  CHARGING_ECFS: csv,
  DIME_LISTING_PAUSE_MS: z.coerce.number().int().min(0).max(10_000).optional(),
  /** iFC trigger patterns accepted at the filter_criteria PUT: at most this many characters. */
  IFC_MAX_PATTERN_LENGTH: z.coerce
    .number()
    .int()
    .min(1)
    .max(DEFAULT_IFC_PATTERN_LIMITS.maxPatternLength)
    .optional(),
  /** …and compiling to at most this many RE2 instructions. */
  IFC_MAX_PATTERN_PROGRAM: z.coerce
    .number()
    .int()
    .min(1)
    .max(DEFAULT_IFC_PATTERN_LIMITS.maxProgramSize)
    .optional(),
})

export interface DimeConfig {
  region: FunctionEnv['REGION']
  homeDomain: string
  hopSecret: string
  /** This region's Sprout (pushes) and Dime (timer callbacks). */
  sproutUrl: string
  dimeUrl: string
  /** Server name returned by registration-status and location when none is assigned. */
  scscfUri: string
  cdfUrl?: string
  chargingAddresses: ChargingAddresses
  listingPauseMs: number
  /** Limits on the trigger patterns of provisioned iFCs (shared/ims/ifc-pattern.ts). */
  ifcLimits: IfcPatternLimits
}

const parseDimeConfig = parseCachedConfig(
  dimeSchema,
  'dime',
  (d, _raw, env: FunctionEnv): DimeConfig => {
    const urls = env.FUNCTION_URLS[env.REGION]
    const cfg: DimeConfig = {
      region: env.REGION,
      homeDomain: env.HOME_DOMAIN,
      hopSecret: env.HOP_SECRET,
      sproutUrl: urls.sprout.replace(/\/$/, ''),
      dimeUrl: urls.dime.replace(/\/$/, ''),
      scscfUri: d.SCSCF_URI ?? `sip:scscf.${env.HOME_DOMAIN};transport=tcp`,
      ...(d.CDF_URL ? { cdfUrl: d.CDF_URL } : {}),
      chargingAddresses: { ccfs: d.CHARGING_CCFS, ecfs: d.CHARGING_ECFS },
      listingPauseMs: d.DIME_LISTING_PAUSE_MS ?? DEFAULT_LISTING_PAUSE_MS,
      ifcLimits: tightenedLimits({
        ...(d.IFC_MAX_PATTERN_LENGTH ? { maxPatternLength: d.IFC_MAX_PATTERN_LENGTH } : {}),
        ...(d.IFC_MAX_PATTERN_PROGRAM ? { maxProgramSize: d.IFC_MAX_PATTERN_PROGRAM } : {}),
      }),
    }
    return cfg
  }
)

/** Builds (once per raw bindings object) Dime's configuration; throws naming a bad setting. */
export function dimeConfig(env: FunctionEnv, raw: RawEnv): DimeConfig {
  return parseDimeConfig(raw, env)
}
