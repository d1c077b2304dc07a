/**
 * @module homestead/hss-queries
 * The read-only HSS queries Sprout makes (clearwater-interfaces §2.1), answered from the
 * Homestead cache with the master data in the global table:
 * - MAR `GET /impi/<impi>/av[/digest|/aka|/aka2]`: the digest (HA1, realm, qop "auth") when the
 *   private id may authenticate the public id, plus `ha1_sha256` (an Edgewater addition, RFC 8760)
 *   when the password was provisioned in plaintext, so Sprout offers SHA-256 without reading the
 *   password itself; AKA needs keys Dime does not provision (404).
 * - UAR `GET /impi/<impi>/registration-status`: TS 29.228 §6.1.1 result codes (2001 first
 *   registration, 2002 subsequent registration) with the serving S-CSCF; 403 when roaming from
 *   another network or when every identity of the set is barred; 404 when unknown.
 * - LIR `GET /impu/<impu>/location`: 2001 with the serving S-CSCF while registered, 2003
 *   (unregistered service) with the configured S-CSCF otherwise (TS 29.228 §6.1.2).
 */
import type { HomesteadConfig } from './homestead-config'
import type { SubscriberCache } from './subscriber-cache'

/** Diameter (Experimental-)Result-Code values of TS 29.229 §6.2 used in the JSON answers. */
export const RESULT_CODE = {
  SUCCESS: 2001,
  FIRST_REGISTRATION: 2001,
  SUBSEQUENT_REGISTRATION: 2002,
  UNREGISTERED_SERVICE: 2003,
} as const

export type HssAnswer =
  | { status: 200; body: Record<string, unknown> }
  | { status: 403 | 404; reason: string }

export type AvScheme = 'av' | 'digest' | 'aka' | 'aka2'

const notFound = (reason: string): HssAnswer => ({ status: 404, reason })

export class HssQueries {
  constructor(
    private readonly cache: SubscriberCache,
    private readonly config: HomesteadConfig
  ) {}

  /** Checks that `impi` exists and may authenticate `impu`; returns its digest record. */
  private async authorise(impi: string, impu: string | undefined) {
    // homestead ImpiTask::get_av: no public id means no MAR, 404.
    if (!impu) return notFound('the impu query parameter is required')
    const rec = await this.cache.impi(impi)
    if (!rec) return notFound(`unknown private identity ${impi}`)
    if (!rec.publicIds.includes(impu))
      return notFound(`private identity ${impi} cannot authenticate ${impu}`)
    return rec
  }

  async authVector(impi: string, scheme: AvScheme, impu: string | undefined): Promise<HssAnswer> {
    const rec = await this.authorise(impi, impu)
    if ('status' in rec) return rec
    if (scheme === 'aka' || scheme === 'aka2')
      return notFound(`no AKA credentials are provisioned for ${impi}`)
    // An empty qop is replaced by "auth" (homestead ImpiAvTask::send_reply).
    return {
      status: 200,
      body: {
        digest: {
          ha1: rec.digestHa1,
          ...(rec.digestHa1Sha256 ? { ha1_sha256: rec.digestHa1Sha256 } : {}),
          realm: rec.realm,
          qop: 'auth',
        },
      },
    }
  }

  /** Legacy `GET /impi/<impi>/digest?public_id=`. */
  async legacyDigest(impi: string, impu: string | undefined): Promise<HssAnswer> {
    const rec = await this.authorise(impi, impu)
    if ('status' in rec) return rec
    return { status: 200, body: { digest_ha1: rec.digestHa1 } }
  }

  private capabilities(scscf: string) {
    return {
      'result-code': RESULT_CODE.SUCCESS,
      scscf,
      'mandatory-capabilities': [],
      'optional-capabilities': [],
    }
  }

  async registrationStatus(
    impi: string,
    impu: string | undefined,
    opts: { visitedNetwork?: string; authType?: string }
  ): Promise<HssAnswer> {
    const auth = await this.authorise(impi, impu)
    if ('status' in auth) return auth
    const rec = await this.cache.impu(impu as string)
    if (!rec || rec.subscriptionXml === null) return notFound(`no IMS subscription for ${impu}`)
    if (opts.visitedNetwork && opts.visitedNetwork !== this.config.homeDomain)
      return { status: 403, reason: `roaming from ${opts.visitedNetwork} is not allowed` }
    if (!rec.defaultImpu)
      return { status: 403, reason: `every public identity of the set of ${impu} is barred` }
    const serving = rec.reg.scscf ?? this.config.scscfUri
    if (opts.authType === 'CAPAB') return { status: 200, body: this.capabilities(serving) }
    if (opts.authType === 'DEREG') {
      if (rec.reg.state === 'NOT_REGISTERED') return notFound(`${impu} is not registered`)
      return { status: 200, body: { 'result-code': RESULT_CODE.SUCCESS, scscf: serving } }
    }
    const code =
      rec.reg.state === 'NOT_REGISTERED'
        ? RESULT_CODE.FIRST_REGISTRATION
        : RESULT_CODE.SUBSEQUENT_REGISTRATION
    return { status: 200, body: { 'result-code': code, scscf: serving } }
  }

  async location(impu: string, opts: { authType?: string }): Promise<HssAnswer> {
    const rec = await this.cache.impu(impu)
    if (!rec || rec.subscriptionXml === null) return notFound(`no IMS subscription for ${impu}`)
    const registered = rec.reg.state !== 'NOT_REGISTERED'
    const serving = (registered ? rec.reg.scscf : undefined) ?? this.config.scscfUri
    if (opts.authType === 'CAPAB') return { status: 200, body: this.capabilities(serving) }
    return {
      status: 200,
      body: {
        'result-code': registered ? RESULT_CODE.SUCCESS : RESULT_CODE.UNREGISTERED_SERVICE,
        scscf: serving,
      },
    }
  }
}
