/**
 * @module dime/dime-config
 * Dime's settings: the shared function configuration, the HSS role's settings it shares with
 * Sprout's in-process Homestead (`SCSCF_URI`, `CHARGING_CCFS`, `CHARGING_ECFS`;
 * shared/homestead/homestead-config.ts), plus a few optional bindings only Dime reads (parsed
 * here with zod, once per isolate): where to send CDRs (`CDF_URL`), the pause between chunks of
 * the public-id listing (`DIME_LISTING_PAUSE_MS`), and tighter limits on iFC trigger patterns
 * accepted at provisioning (`IFC_MAX_PATTERN_LENGTH`, `IFC_MAX_PATTERN_PROGRAM`). Timing
 * constants of Ralf and of the listing live here too.
 */
import { z } from 'zod'
import { parseCachedConfig } from '../../shared/config/cached-config'
import type { FunctionEnv, RawEnv } from '../../shared/config/function-env'
import {
  type HomesteadConfig,
  homesteadConfigOf,
  homesteadSchemaShape,
} from '../../shared/homestead/homestead-config'
import {
  DEFAULT_IFC_PATTERN_LIMITS,
  type IfcPatternLimits,
  tightenedLimits,
} from '../../shared/ims/ifc-pattern'

/** Homestead-prov paces its full listing with a 1 s pause per chunk (crest public.py). */
export const DEFAULT_LISTING_PAUSE_MS = 1000
/** Default `chunk-proportion` of the listing (crest public.py). */
export const DEFAULT_LISTING_CHUNKS = 256
/** Interim interval used when no CDF proposes one (seconds). */
export const DEFAULT_INTERIM_INTERVAL_S = 300
/** Time allowed to the CDF and to Sprout for one request. */
export const OUTBOUND_TIMEOUT_MS = 2000

const dimeSchema = z.object({
  ...homesteadSchemaShape,
  CDF_URL: z.url('CDF_URL must be an absolute URL').optional(),
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

export interface DimeConfig extends HomesteadConfig {
  region: FunctionEnv['REGION']
  hopSecret: string
  /** This region's Sprout (pushes) and Dime (timer callbacks). */
  sproutUrl: string
  dimeUrl: string
  cdfUrl?: string
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
      ...homesteadConfigOf(d, env.HOME_DOMAIN),
      region: env.REGION,
      hopSecret: env.HOP_SECRET,
      sproutUrl: urls.sprout.replace(/\/$/, ''),
      dimeUrl: urls.dime.replace(/\/$/, ''),
      ...(d.CDF_URL ? { cdfUrl: d.CDF_URL } : {}),
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
