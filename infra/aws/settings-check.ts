/**
 * @module infra/aws/settings-check
 * Validates the deployment's function settings with each function's own config parser, at
 * synthesis, so a value a function would refuse at cold start fails `npm run deploy` instead.
 * The secrets are stand-ins here (their values never reach the CDK app).
 */

import { dimeConfig } from '../../functions/dime/dime-config'
import { requestLimits } from '../../functions/dime/request-limits'
import { ellisConfig } from '../../functions/ellis/ellis-config'
import { iceConfig } from '../../functions/ellis/ice-config'
import { mailSetup } from '../../functions/ellis/mail-config'
import { throttleConfig } from '../../functions/ellis/throttle-config'
import { callListLimits } from '../../functions/homer/call-list/call-list-config'
import { utLimits } from '../../functions/homer/homer-config'
import { parseRoutingConfig } from '../../functions/sprout/routing/routing-config'
import { parseSproutConfig } from '../../functions/sprout/sprout-config'
import { chronosLimits } from '../../functions/timers/timers-config'
import { parseFunctionEnv } from '../../shared/config/function-env'
import { FUNCTIONS, type FunctionName } from '../../shared/config/regions'
import { homesteadConfig } from '../../shared/homestead/homestead-config'
import { traceConfig } from '../../shared/trace/trace-config'
import { type DeployConfig, DeployConfigError } from './deploy-config'
import { FUNCTION_SETTINGS, type SettingName } from './function-settings'
import { functionEnvironment } from './regional-stack'

const STAND_IN = 'x'.repeat(48)

/** The environment `fn` would start with in region a, secrets replaced by stand-ins. */
export function standInEnvironment(c: DeployConfig, fn: FunctionName): Record<string, string> {
  const env: Record<string, string> = {
    ...functionEnvironment(
      c,
      'a',
      fn,
      'arn:aws:iam::000000000000:role/stand-in',
      '',
      '000000000000'
    ),
  }
  for (const [k, spec] of Object.entries(FUNCTION_SETTINGS) as [SettingName, { kind: string }][])
    if (
      spec.kind === 'secret' &&
      !k.endsWith('_PREVIOUS') &&
      FUNCTION_SETTINGS[k].readers.includes(fn)
    )
      env[k] = `${STAND_IN}${k}`
  return env
}

const PARSERS: Record<FunctionName, (raw: Record<string, string>) => void> = {
  sprout: (raw) => {
    parseSproutConfig(raw)
    parseRoutingConfig(raw)
    homesteadConfig(raw, raw.HOME_DOMAIN ?? '')
    traceConfig(raw)
  },
  dime: (raw) => {
    dimeConfig(parseFunctionEnv(raw), raw)
    requestLimits(raw)
  },
  homer: (raw) => {
    utLimits(raw)
    callListLimits(raw)
  },
  ellis: (raw) => {
    ellisConfig(parseFunctionEnv(raw), raw)
    mailSetup(raw)
    throttleConfig(raw)
    iceConfig(raw)
    traceConfig(raw)
  },
  timers: (raw) => {
    chronosLimits(raw)
  },
}

/** Throws a {@link DeployConfigError} naming the function and setting a function would refuse. */
export function checkFunctionSettings(c: DeployConfig): void {
  for (const fn of FUNCTIONS) {
    const raw = standInEnvironment(c, fn)
    try {
      parseFunctionEnv(raw)
      PARSERS[fn](raw)
    } catch (err) {
      throw new DeployConfigError(`${fn}: ${(err as Error).message}`)
    }
  }
}
