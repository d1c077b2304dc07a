/**
 * @module sprout/routing/cancel
 * CANCEL at a stateful proxy is hop by hop (RFC 3261 §16.10; clearwater-interfaces §5.6): it
 * matches the INVITE's transaction by the same key (tx-keys.ts), is answered 200 at once, and the
 * record decides the rest — every pending fork gets its own CANCEL and the INVITE is answered 487
 * (tx-state.ts). A CANCEL that matches nothing here is forwarded statelessly along its Route set
 * when it has one (it cancels an in-dialog request Sprout forwarded statelessly, §16.11), and
 * answered 481 otherwise (§9.2).
 */
import type { SipRequest } from '../../../shared/sip'
import { respondTo } from '../sip-build'
import { forwardStateless } from './in-dialog'
import type { RoutingDeps } from './routing-deps'
import { runActions } from './tx-actions'
import { transactionKey } from './tx-keys'
import { foldRecord } from './tx-state'

export async function routeCancel(d: RoutingDeps, cancel: SipRequest): Promise<void> {
  const key = transactionKey(cancel)
  const w = await d.txLog.append(key, { k: 'cancel' })
  if (w.written) {
    await d.sender.respond(respondTo(cancel, 200, 'OK'))
    const folded = foldRecord(w.events)
    if (folded) await runActions(d, key, folded.state, folded.actions)
    return
  }
  if (cancel.has('route')) {
    await forwardStateless(d, cancel)
    return
  }
  await d.sender.respond(respondTo(cancel, 481, 'Call/Transaction Does Not Exist'))
}
