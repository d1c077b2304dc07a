/**
 * @module sprout/test-as/b2bua
 * The test application server as a back-to-back user agent (clearwater-interfaces §10 test 75,
 * "ISC Interface - B2BUA"): it takes the INVITE as a UAS and sends a new INVITE of its own to the
 * S-CSCF for the same Request-URI with the original From, marked `X-Test-B2bua: 1` so the
 * callee's iFC can leave it out of the chain the second time. It bridges the second leg's
 * provisional and final answers to the first, acknowledges the second leg's answer itself, and
 * hangs the second leg up when the caller's BYE arrives on the first. Each second leg is
 * remembered in the regional KV (`test-as:b2bua:*`, 15 minutes).
 */
import { asHost, functionHost, HOP_TRANSPORT } from '../../../shared/hop/internal-addresses'
import {
  parseMessage,
  type SipRequest,
  type SipResponse,
  serializeNameAddr,
} from '../../../shared/sip'
import { buildRequest } from '../../../shared/sip/builders'
import { md5Hex } from '../../../shared/sip/md5'
import { respondTo } from '../sip-build'
import type { SproutDeps } from '../sprout-deps'

const KEEP = 900
export const B2BUA_CALL_PREFIX = 'b2b-'
const legKey = (callId: string) => `test-as:b2bua:${callId}`

interface Bridge {
  name: string
  leg1: string
  toTag1: string
  leg2CallId: string
  leg2From: string
  leg2To?: string
  leg2Target?: string
  leg2Routes?: string[]
}

const via = (name: string, seed: string) =>
  `SIP/2.0/${HOP_TRANSPORT} ${asHost(name)};branch=z9hG4bK${md5Hex(seed).slice(0, 24)}`

/** A new call for an INVITE the B2BUA answers. */
export async function startBridge(deps: SproutDeps, name: string, leg1: SipRequest): Promise<void> {
  const toTag1 = md5Hex(`${leg1.callId}|${name}|b2b`).slice(0, 12)
  await deps.sender.respond(respondTo(leg1, 100, 'Trying'))
  const leg2CallId = `${B2BUA_CALL_PREFIX}${md5Hex(leg1.callId).slice(0, 20)}`
  const fromUri = leg1.from.uri
  const leg2From = `${serializeNameAddr({ displayName: leg1.from.displayName, uri: fromUri, params: [] })};tag=${toTag1}`
  const bridge: Bridge = { name, leg1: leg1.toString(), toTag1, leg2CallId, leg2From }
  await deps.vellum.kv.set(legKey(leg2CallId), bridge, { ttlSeconds: KEEP })
  await deps.vellum.kv.set(legKey(leg1.callId), bridge, { ttlSeconds: KEEP })
  const invite = buildRequest({
    method: 'INVITE',
    uri: leg1.uriText,
    via: [via(name, `${leg2CallId}|1|INVITE`)],
    // Terminating processing at this region's S-CSCF (the I-CSCF's job in Clearwater).
    route: [`<sip:${functionHost('sprout', deps.region)};lr>`],
    from: leg2From,
    to: leg1.getRaw('to')!,
    callId: leg2CallId,
    cseq: 1,
    contact: `<sip:${asHost(name)}>`,
    headers: [['X-Test-B2bua', '1']],
    ...(leg1.body
      ? { body: leg1.body, contentType: leg1.getRaw('content-type') ?? 'application/sdp' }
      : {}),
  })
  const r = await deps.sender.request(invite)
  if (!r.ok)
    await deps.sender.respond(
      respondTo(leg1, r.sipStatus, 'Service Unavailable', { toTag: toTag1 })
    )
}

/** An answer on the second leg: passed on to the first. */
export async function bridgeResponse(deps: SproutDeps, res: SipResponse): Promise<void> {
  const b = await deps.vellum.kv.get<Bridge>(legKey(res.callId))
  if (!b || res.cseq.method !== 'INVITE') return
  const leg1 = parseMessage(b.leg1) as SipRequest
  const status = res.status
  if (status === 100) return
  const contact: Array<[string, string]> = [['Contact', `<sip:${asHost(b.name)}>`]]
  if (status >= 200 && status < 300) {
    const routes = res
      .getAllRaw('record-route')
      .flatMap((v) => v.split(/,(?=\s*<)/).map((x) => x.trim()))
      .reverse()
    const target = res.contacts.find((c): c is Exclude<typeof c, '*'> => c !== '*')
    const next: Bridge = {
      ...b,
      leg2To: res.getRaw('to')!,
      leg2Routes: routes,
      ...(target
        ? { leg2Target: serializeNameAddr({ ...target, params: [] }).replace(/^<|>$/g, '') }
        : {}),
    }
    await deps.vellum.kv.set(legKey(b.leg2CallId), next, { ttlSeconds: KEEP })
    await deps.vellum.kv.set(legKey(leg1.callId), next, { ttlSeconds: KEEP })
    if (next.leg2Target)
      await deps.sender.request(
        buildRequest({
          method: 'ACK',
          uri: next.leg2Target,
          via: [via(b.name, `${b.leg2CallId}|1|ACK`)],
          route: routes,
          from: b.leg2From,
          to: next.leg2To!,
          callId: b.leg2CallId,
          cseq: 1,
        })
      )
  } else if (status >= 300) {
    // A non-2xx is acknowledged hop by hop, to the S-CSCF (RFC 3261 §17.1.1.3).
    await deps.sender.request(
      buildRequest({
        method: 'ACK',
        uri: leg1.uriText,
        via: [res.getRaw('via')!],
        route: [`<sip:${functionHost('sprout', deps.region)};lr>`],
        from: b.leg2From,
        to: res.getRaw('to')!,
        callId: b.leg2CallId,
        cseq: 1,
      })
    )
  }
  const body =
    status >= 200 && status < 300 && res.body
      ? { body: res.body, contentType: res.getRaw('content-type') ?? 'application/sdp' }
      : {}
  await deps.sender.respond(
    respondTo(leg1, status, res.reason, { toTag: b.toTag1, headers: contact, ...body })
  )
}

/** The caller hung up on the first leg: hang up the second. */
export async function bridgeBye(deps: SproutDeps, bye: SipRequest): Promise<boolean> {
  const b = await deps.vellum.kv.get<Bridge>(legKey(bye.callId))
  if (!b?.leg2Target || !b.leg2To) return false
  await deps.sender.respond(respondTo(bye, 200, 'OK'))
  await deps.sender.request(
    buildRequest({
      method: 'BYE',
      uri: b.leg2Target,
      via: [via(b.name, `${b.leg2CallId}|2|BYE`)],
      route: b.leg2Routes ?? [],
      from: b.leg2From,
      to: b.leg2To,
      callId: b.leg2CallId,
      cseq: 2,
    })
  )
  return true
}
