/**
 * @module homestead/homestead-config
 * The settings of the HSS role, read by Dime and by Sprout's in-process Homestead from the same
 * optional bindings (every function of a region receives the same environment, infra/aws): the
 * S-CSCF name the I-CSCF queries return when none is assigned (`SCSCF_URI`, default
 * `sip:scscf.<HOME_DOMAIN>;transport=tcp`) and the charging function addresses put in reg-data
 * (`CHARGING_CCFS`, `CHARGING_ECFS`, comma-separated, primary first), and the longest identity
 * looked up (`DIME_MAX_IDENTITY_BYTES`, default 512 bytes; Dime's request limits apply it to
 * every path segment). The timing constants of Homestead's cache live here too.
 */
import { z } from 'zod'
import { parseCachedConfig } from '../config/cached-config'
import type { RawEnv } from '../config/function-env'
import type { ChargingAddresses } from '../ims/reg-data-xml'

/** Clearwater `hss_reregistration_time` default: re-read the profile after this (seconds). */
export const HSS_REREGISTRATION_TIME_S = 1800
/** Homestead cache TTL: twice the re-registration time (clearwater-interfaces §9.4, §11). */
export const CACHE_TTL_S = 2 * HSS_REREGISTRATION_TIME_S

const csv = z
  .string()
  .optional()
  .transform((s) =>
    (s ?? '')
      .split(',')
      .map((x) => x.trim())
      .filter((x) => x.length > 0)
  )

/** Longest identity Homestead looks up, in bytes of UTF-8 (`DIME_MAX_IDENTITY_BYTES`). */
export const DEFAULT_MAX_IDENTITY_BYTES = 512
/** Above this an identity no longer fits the table's sort keys with their prefixes. */
export const MAX_IDENTITY_BYTES_CEILING = 1000

/** `DIME_MAX_IDENTITY_BYTES`: 64 to {@link MAX_IDENTITY_BYTES_CEILING}, optional. */
export const maxIdentityBytesSetting = z.coerce
  .number()
  .int()
  .min(64)
  .max(MAX_IDENTITY_BYTES_CEILING)
  .optional()

/** The bindings of the HSS role (Dime's schema extends this shape). */
export const homesteadSchemaShape = {
  DIME_MAX_IDENTITY_BYTES: maxIdentityBytesSetting,
  SCSCF_URI: z
    .string()
    .regex(/^sips?:/, 'SCSCF_URI must be a sip: URI')
    .optional(),
  CHARGING_CCFS: csv,
  CHARGING_ECFS: csv,
}

const homesteadSchema = z.object(homesteadSchemaShape)

export interface HomesteadConfig {
  homeDomain: string
  /** Server name returned by registration-status and location when none is assigned. */
  scscfUri: string
  chargingAddresses: ChargingAddresses
  /**
   * Identities longer than this are refused (400) before any lookup, as Dime's request limits
   * refuse them, so no table key exceeds DynamoDB's bounds.
   */
  maxIdentityBytes: number
}

/** The configuration from already-parsed bindings of {@link homesteadSchemaShape}. */
export function homesteadConfigOf(
  d: z.output<typeof homesteadSchema>,
  homeDomain: string
): HomesteadConfig {
  return {
    homeDomain,
    scscfUri: d.SCSCF_URI ?? `sip:scscf.${homeDomain};transport=tcp`,
    chargingAddresses: { ccfs: d.CHARGING_CCFS, ecfs: d.CHARGING_ECFS },
    maxIdentityBytes: d.DIME_MAX_IDENTITY_BYTES ?? DEFAULT_MAX_IDENTITY_BYTES,
  }
}

const parseHomestead = parseCachedConfig(
  homesteadSchema,
  'homestead',
  (d, _raw, homeDomain: string) => homesteadConfigOf(d, homeDomain)
)

/** Builds (once per raw bindings object) the HSS role's settings; throws naming a bad setting. */
export function homesteadConfig(raw: RawEnv, homeDomain: string): HomesteadConfig {
  return parseHomestead(raw, homeDomain)
}
