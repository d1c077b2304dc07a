/**
 * @module sprout/registrar/register-handler
 * REGISTER as the S-CSCF's registrar takes it (clearwater-interfaces §5.2–5.3): the steps
 * parse-registration → digest-auth → bind → respond, composed once. A {@link SipError} from any
 * step becomes the response (with its headers and Retry-After).
 */
import type { SipRequest } from '../../../shared/sip'
import { bind } from './bind-step'
import { digestAuth } from './digest-auth'
import { parseRegistration } from './parse-registration'
import { composeSteps, type RegisterContext, type RegisterStep } from './register-context'
import type { RegistrarServices } from './registrar-services'
import { respond } from './respond-step'

export const parseStep: RegisterStep = async (ctx, next) => {
  const { config, homeDomain } = ctx.svc.deps
  ctx.reg = parseRegistration(ctx.req, {
    maxExpires: config.REG_MAX_EXPIRES,
    emergencyMaxExpires: config.REG_EMERGENCY_MAX_EXPIRES,
    minExpires: config.REG_MIN_EXPIRES,
    homeDomain,
  })
  await next()
}

export const REGISTER_STEPS: readonly RegisterStep[] = [parseStep, digestAuth, bind, respond]

const pipeline = composeSteps(REGISTER_STEPS)

/** Runs the REGISTER pipeline; throws SipError for the caller to answer. */
export async function handleRegister(
  svc: RegistrarServices,
  req: SipRequest
): Promise<RegisterContext> {
  const ctx: RegisterContext = { svc, req, sideWrites: [] }
  await pipeline(ctx)
  return ctx
}
