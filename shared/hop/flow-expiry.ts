/**
 * @module hop/flow-expiry
 * What the edge's flow objects and Sprout's registrar agree on when a flow keeps the expiry of
 * the bindings registered over it (docs/registrar.md, "Expiry kept by the flow"):
 *
 * - the edge marks each REGISTER it forwards from such a flow with a parameter on its own Via
 *   (`ew-expiry=flow`, beside `flow=<token>`). The mark travels inside the signed hop's body, so
 *   nothing in transit can add it, and it is never stored;
 * - when a binding really lapsed (or the flow's WebSocket is gone), the flow asks Sprout to expire
 *   that AoR's bindings of this flow at {@link flowExpiredPath}; Sprout answers how many it
 *   removed and, when a binding of the flow is still live there, its expiry, so the flow re-arms.
 */
import { z } from 'zod'

/** The Via parameter of the edge's REGISTER hop saying the flow keeps its bindings' expiry. */
export const FLOW_EXPIRY_VIA_PARAM = 'ew-expiry'
export const FLOW_EXPIRY_VIA_VALUE = 'flow'

/** Sprout's route for a flow whose binding lapsed: `POST`, JSON {@link FlowExpiredRequest}. */
export const flowExpiredPath = (token: string) => `/flows/${token}/expired`

export const flowExpiredRequest = z.object({
  /** The identity the flow's REGISTER 200 named (its To), as in the flow-closure notice. */
  aor: z.string().min(1).max(512),
})
export type FlowExpiredRequest = z.infer<typeof flowExpiredRequest>

export const flowExpiredAnswer = z.object({
  /** Bindings of the flow Sprout removed. */
  removed: z.number().int().nonnegative(),
  /** Ms from now until the latest expiry of the flow's bindings still live at that AoR, if any. */
  next: z.number().int().positive().optional(),
})
export type FlowExpiredAnswer = z.infer<typeof flowExpiredAnswer>
