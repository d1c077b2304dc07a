import { describe, expect, it } from 'vitest'
import { parseNameAddrList } from '../sip/name-addr'
import { parseUri } from '../sip/uri'
import { type BarringContext, barringOutcome, isInternational } from './mmtel-barring'
import {
  type CdivContext,
  cdivOnNoReply,
  cdivOnRequest,
  cdivOnResponse,
  conditionFromStatus,
  mediaOfSdp,
  noReplyTimerSeconds,
} from './mmtel-cdiv'
import { diversionHeaders, diversionTarget } from './mmtel-diversion'
import { applyOir, privacyHeader, terminatingPrivacy } from './mmtel-privacy'
import { parseSimservs } from './simservs'
import type { SimservsModel } from './simservs-model'

const NS =
  'xmlns="http://uri.etsi.org/ngn/params/xml/simservs/xcap" xmlns:cp="urn:ietf:params:xml:ns:common-policy"'

function model(body: string): SimservsModel {
  const r = parseSimservs(`<simservs ${NS}>${body}</simservs>`)
  if (!r.ok) throw new Error(`${r.error.element}: ${r.error.reason}`)
  return r.value
}

const rule = (id: string, conditions: string, actions: string) =>
  `<cp:rule id="${id}"><cp:conditions>${conditions}</cp:conditions><cp:actions>${actions}</cp:actions></cp:rule>`
const fwd = (t: string) => `<forward-to><target>${t}</target></forward-to>`
const cdiv = (rules: string, timer = '') =>
  model(
    `<communication-diversion active="true">${timer}<cp:ruleset>${rules}</cp:ruleset></communication-diversion>`
  ).cdiv

const ctx = (media: string[] = ['audio']): CdivContext => ({
  media,
  caller: 'sip:a@x',
  callerAnonymous: false,
  now: 0,
})

describe('OIR and terminating privacy (TS 24.607)', () => {
  const restricted = model(
    '<originating-identity-presentation-restriction active="true"><default-behaviour>presentation-restricted</default-behaviour></originating-identity-presentation-restriction>'
  ).oir
  const open = model(
    '<originating-identity-presentation-restriction active="true"><default-behaviour>presentation-not-restricted</default-behaviour></originating-identity-presentation-restriction>'
  ).oir

  it('restricts by default unless the caller asked for none', () => {
    expect(privacyHeader(applyOir(restricted, [])!)).toBe('id;header;user')
    expect(privacyHeader(applyOir(restricted, ['none'])!)).toBe('none')
    expect(privacyHeader(applyOir(restricted, ['bogus'])!)).toBe('id;header;user')
  })

  it('adds user to id/header when not restricted by default, and leaves others alone', () => {
    expect(privacyHeader(applyOir(open, ['id'])!)).toBe('id;user')
    expect(privacyHeader(applyOir(open, [])!)).toBeUndefined()
    expect(applyOir(undefined, ['id'])).toBeUndefined()
  })

  it('enforces the caller’s privacy on the terminating side', () => {
    expect(terminatingPrivacy(['none'])).toMatchObject({
      removeHeaders: [],
      anonymousFrom: false,
      removeAssertedIdentity: false,
    })
    const h = terminatingPrivacy(['header'])
    expect(h).toMatchObject({
      removeAssertedIdentity: true,
      anonymousFrom: false,
      privacy: 'id;header',
    })
    expect(terminatingPrivacy(['session', 'critical'])).toEqual({ reject: 503 })
    const u = terminatingPrivacy(['id', 'user'])
    expect(u).toMatchObject({ anonymousFrom: true, removeAssertedIdentity: true })
    if (!u.reject) expect(u.removeHeaders).toContain('User-Agent')
  })
})

describe('call barring (TS 24.611)', () => {
  const base: BarringContext = {
    dialledNumber: undefined,
    homeCountryCode: '1',
    otherParty: undefined,
    anonymous: false,
    diverted: false,
    media: ['audio'],
    now: 0,
  }

  it('detects international numbers as Sprout does', () => {
    expect(isInternational('011447854481549', '1')).toBe(true)
    expect(isInternational('+447854481549', '1')).toBe(true)
    expect(isInternational('+16505550001', '1')).toBe(false)
    expect(isInternational('6505550001', '1')).toBe(false)
    expect(isInternational(undefined, '1')).toBe(false)
  })

  it('bars everything with an empty rule, allows when any matching rule allows', () => {
    const barAll = model(
      `<outgoing-communication-barring active="true"><cp:ruleset>${rule('r', '', '<allow>false</allow>')}</cp:ruleset></outgoing-communication-barring>`
    ).ocb
    expect(barringOutcome(barAll, base)).toBe('bar')
    const both = model(
      `<outgoing-communication-barring active="true"><cp:ruleset>${rule('r', '', '<allow>false</allow>')}${rule('s', '', '<allow>true</allow>')}</cp:ruleset></outgoing-communication-barring>`
    ).ocb
    expect(barringOutcome(both, base)).toBe('allow')
    expect(barringOutcome(undefined, base)).toBe('allow')
  })

  it('bars only international calls with the international condition', () => {
    const intl = model(
      `<outgoing-communication-barring active="true"><cp:ruleset>${rule('r', '<international/>', '<allow>false</allow>')}</cp:ruleset></outgoing-communication-barring>`
    ).ocb
    expect(barringOutcome(intl, { ...base, dialledNumber: '011447854481549' })).toBe('bar')
    expect(barringOutcome(intl, { ...base, dialledNumber: '6505550002' })).toBe('allow')
  })

  it('never matches roaming, and honours anonymous', () => {
    const s = model(
      `<incoming-communication-barring active="true"><cp:ruleset>${rule('r', '<roaming/>', '<allow>false</allow>')}${rule('a', '<anonymous/>', '<allow>false</allow>')}</cp:ruleset></incoming-communication-barring>`
    ).icb
    expect(barringOutcome(s, base)).toBe('allow')
    expect(barringOutcome(s, { ...base, anonymous: true })).toBe('bar')
  })
})

describe('communication diversion (TS 24.604)', () => {
  it('reads media from SDP', () => {
    const sdp = 'v=0\r\nm=audio 4000 RTP/AVP 0\r\nm=video 4002 RTP/AVP 96\r\n'
    expect(mediaOfSdp(sdp, 'application/sdp')).toEqual(['audio', 'video'])
    expect(mediaOfSdp(sdp, 'text/plain')).toEqual([])
  })

  it('diverts unconditionally on the request', () => {
    const s = cdiv(rule('u', '', fwd('sip:c@x')))
    expect(cdivOnRequest(s, ctx())).toMatchObject({
      target: 'sip:c@x',
      cause: { reason: 'unconditional', cause: 302 },
    })
  })

  it('picks media rules in document order (audio-only vs audio-video calls)', () => {
    const s = cdiv(
      rule('av', '<media>audio</media><media>video</media>', fwd('sip:c2@x')) +
        rule('a', '<media>audio</media>', fwd('sip:c3@x'))
    )
    expect(cdivOnRequest(s, ctx(['audio']))?.target).toBe('sip:c3@x')
    expect(cdivOnRequest(s, ctx(['audio', 'video']))?.target).toBe('sip:c2@x')
  })

  it('maps responses to conditions, with ringing deciding 408 and 5xx', () => {
    expect(conditionFromStatus(480, false)).toBe('not-registered')
    expect(conditionFromStatus(486, false)).toBe('busy')
    expect(conditionFromStatus(408, false)).toBe('not-reachable')
    expect(conditionFromStatus(408, true)).toBe('no-answer')
    expect(conditionFromStatus(503, false)).toBe('not-reachable')
    expect(conditionFromStatus(503, true)).toBeUndefined()
    expect(conditionFromStatus(603, false)).toBeUndefined()
  })

  it('diverts on busy, not-registered, not-reachable and no-answer responses', () => {
    const s = cdiv(
      rule('b', '<busy/>', fwd('sip:busy@x')) +
        rule('n', '<not-registered/>', fwd('sip:nr@x')) +
        rule('r', '<not-reachable/>', fwd('sip:unreach@x')) +
        rule('a', '<no-answer/>', fwd('sip:na@x')),
      '<NoReplyTimer>20</NoReplyTimer>'
    )
    expect(cdivOnRequest(s, ctx())).toBeUndefined()
    expect(cdivOnResponse(s, 486, { ringing: false, ctx: ctx() })?.target).toBe('sip:busy@x')
    expect(cdivOnResponse(s, 480, { ringing: false, ctx: ctx() })?.target).toBe('sip:nr@x')
    expect(cdivOnResponse(s, 500, { ringing: false, ctx: ctx() })?.target).toBe('sip:unreach@x')
    expect(cdivOnResponse(s, 408, { ringing: true, ctx: ctx() })?.cause.reason).toBe('no-answer')
    expect(cdivOnResponse(s, 603, { ringing: true, ctx: ctx() })).toBeUndefined()
    expect(noReplyTimerSeconds(s, ctx())).toBe(20)
    expect(cdivOnNoReply(s, ctx())?.target).toBe('sip:na@x')
  })

  it('deflects a 302 to its Contact, and has no no-reply timer without a no-answer rule', () => {
    const s = cdiv(rule('b', '<busy/>', fwd('sip:busy@x')))
    expect(
      cdivOnResponse(s, 302, { ringing: false, contact: 'sip:d@x', ctx: ctx() })
    ).toMatchObject({
      target: 'sip:d@x',
      cause: { reason: 'deflection', cause: 480 },
    })
    expect(noReplyTimerSeconds(s, ctx())).toBeUndefined()
    expect(noReplyTimerSeconds(model('').cdiv, ctx())).toBeUndefined()
  })

  it('ignores rules it cannot evaluate or that are deactivated', () => {
    const s = cdiv(
      rule('d', '<rule-deactivated/>', fwd('sip:c@x')) +
        rule('p', '<presence-status>busy</presence-status>', fwd('sip:p@x'))
    )
    expect(cdivOnRequest(s, ctx())).toBeUndefined()
  })
})

describe('diversion headers (RFC 5806, RFC 7044)', () => {
  it('accepts only usable targets', () => {
    expect(diversionTarget('12345')).toBeUndefined()
    expect(diversionTarget('sip:c@example.com')?.kind).toBe('sip')
    expect(diversionTarget('<tel:+16505550001>')?.kind).toBe('tel')
  })

  it('writes Diversion and History-Info, extending an existing history', () => {
    const first = diversionHeaders({
      diverting: parseUri('sip:b@x'),
      target: parseUri('sip:c@x'),
      cause: { reason: 'user-busy', cause: 486 },
      historyInfo: [],
      diversionCount: 0,
    })
    expect(first.diversion).toBe('<sip:b@x>;reason=user-busy;counter=1')
    expect(first.historyInfo).toEqual([
      '<sip:b@x?Reason=SIP%3Bcause%3D486>;index=1',
      '<sip:c@x;cause=486>;index=1.1;mp=1',
    ])
    const again = diversionHeaders({
      diverting: parseUri('sip:c@x'),
      target: parseUri('sip:d@x'),
      cause: { reason: 'no-answer', cause: 408 },
      historyInfo: parseNameAddrList(first.historyInfo.join(', ')),
      diversionCount: 1,
    })
    expect(again.historyInfo).toHaveLength(3)
    expect(again.historyInfo[2]).toBe('<sip:d@x;cause=408>;index=1.1.1;mp=1.1')
    expect(again.historyInfo[1]).toContain('Reason=SIP%3Bcause%3D408')
  })
})
