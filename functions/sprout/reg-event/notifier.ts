/**
 * @module sprout/reg-event/notifier
 * Tells reg-event subscribers about a change (RFC 3680 §4.1, §5; clearwater-interfaces §5.4),
 * in two halves so the registrar can fold the subscription writes into its own single write:
 * {@link planNotifies} gives each subscription its next record (NOTIFY CSeq and reginfo version
 * one higher; a tombstone when the subscription ends) and {@link sendNotifies}, called once that
 * write has landed, sends the NOTIFYs. A subscriber whose flow is gone (430) loses its
 * subscription (RFC 5626 §5.3); its other refusals arrive later as responses (sip-inbox).
 */
import type { Region } from '../../../shared/config/regions'
import { buildReginfoXml } from '../../../shared/ims/reginfo-build'
import type { ReginfoContactEvent } from '../../../shared/ims/reginfo-model'
import type { Logger } from '../../../shared/log/logger'
import type { AorStore } from '../registrar/aor-store'
import type { Binding } from '../registrar/binding-model'
import type { SipSender } from '../sip-sender'
import { buildNotify, type TerminationReason } from './notify-request'
import { buildReginfo, type EndedContact } from './reginfo-view'
import {
  SUBSCRIPTION_LINGER_SECONDS,
  type SubscriptionData,
  type SubscriptionRecord,
} from './subscription-model'

export interface NotifyContent {
  /** Unbarred identities of the set, default first. */
  identities: string[]
  /** Live bindings after the change. */
  bindings: Binding[]
  events?: Record<string, ReginfoContactEvent>
  ended?: EndedContact[]
  /** End these subscriptions with this reason (their final NOTIFY). */
  terminate?: TerminationReason
}

export interface PlannedNotify {
  record: SubscriptionRecord
  content: NotifyContent
}

/** The next record of each subscription for one round of NOTIFYs. */
export function planNotifies(
  subs: readonly SubscriptionRecord[],
  content: NotifyContent,
  nowMs: number
): PlannedNotify[] {
  const nowS = nowMs / 1000
  return subs.map((s) => {
    const data: SubscriptionData = {
      ...s.data,
      version: s.data.version + 1,
      identities: content.identities,
    }
    const ends = content.terminate !== undefined
    return {
      record: {
        tag: s.tag,
        cseq: s.cseq + 1,
        expires: ends ? nowS : s.data.expiresAt + SUBSCRIPTION_LINGER_SECONDS,
        data: ends ? { ...data, expiresAt: nowS } : data,
      },
      content,
    }
  })
}

export interface SendContext {
  sender: SipSender
  aors: AorStore<SubscriptionData>
  aor: string
  region: Region
  nowMs: number
  log: Logger
}

/** Sends the planned NOTIFYs in parallel. */
export async function sendNotifies(
  planned: readonly PlannedNotify[],
  ctx: SendContext
): Promise<void> {
  await Promise.all(
    planned.map(async ({ record, content }) => {
      const info = buildReginfo({
        identities: content.identities,
        bindings: content.bindings,
        ...(content.events ? { events: content.events } : {}),
        ...(content.ended ? { ended: content.ended } : {}),
        version: record.data.version,
        nowMs: ctx.nowMs,
      })
      const remaining = Math.max(0, Math.round(record.data.expiresAt - ctx.nowMs / 1000))
      const notify = buildNotify(
        record.data,
        record.cseq,
        content.terminate !== undefined
          ? { state: 'terminated', reason: content.terminate }
          : { state: 'active', expires: remaining },
        buildReginfoXml(info),
        ctx.region
      )
      const out = await ctx.sender.request(notify)
      if (!out.ok && out.sipStatus === 430 && content.terminate === undefined) {
        ctx.log.info('reg-event subscriber flow gone; subscription removed', {
          aor: ctx.aor,
          tag: record.tag,
        })
        await ctx.aors.removeSubscription(ctx.aor, record.tag, record.cseq).catch(() => undefined)
      }
    })
  )
}
