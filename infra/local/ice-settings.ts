/**
 * @module ice-settings
 * The ICE servers the local cloud's Ellis hands the portal's softphone (functions/ellis/
 * ice-config.ts, docs/media.md). By default they point at a STUN/TURN server on
 * 127.0.0.1:3478 that shares the dev secret, such as a coturn started with
 * `--use-auth-secret --static-auth-secret=dev-turn-secret-change-me-in-production`; the local
 * cloud starts none (browsers on one machine reach each other by host candidates). Set
 * `ICE_STUN_URLS` or `ICE_TURN_URLS` to an empty string to hand out none.
 */
import { DEV_SECRETS } from '../../shared/config/secrets'

export interface IceSettings {
  stunUrls: string
  turnUrls: string
  turnSecret: string
  /** `ICE_TURN_TTL_S`, passed on when set (Ellis's default otherwise). */
  turnTtlS?: string
}

export const LOCAL_ICE_DEFAULTS: IceSettings = {
  stunUrls: 'stun:127.0.0.1:3478',
  turnUrls: 'turn:127.0.0.1:3478?transport=udp',
  turnSecret: DEV_SECRETS.ICE_TURN_SECRET,
}

export function localIceSettings(env: NodeJS.ProcessEnv = process.env): IceSettings {
  return {
    stunUrls: env.ICE_STUN_URLS ?? LOCAL_ICE_DEFAULTS.stunUrls,
    turnUrls: env.ICE_TURN_URLS ?? LOCAL_ICE_DEFAULTS.turnUrls,
    turnSecret: env.ICE_TURN_SECRET || LOCAL_ICE_DEFAULTS.turnSecret,
    ...(env.ICE_TURN_TTL_S ? { turnTtlS: env.ICE_TURN_TTL_S } : {}),
  }
}

/** The functions' bindings of these settings (only Ellis reads them). */
export function iceBindings(s: IceSettings): Record<string, string> {
  return {
    ICE_STUN_URLS: s.stunUrls,
    ICE_TURN_URLS: s.turnUrls,
    ICE_TURN_SECRET: s.turnSecret,
    ...(s.turnTtlS ? { ICE_TURN_TTL_S: s.turnTtlS } : {}),
  }
}
