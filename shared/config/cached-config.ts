/**
 * @module config/cached-config
 * The one way a component reads its bindings: a zod schema parsed once per raw bindings object
 * (a WeakMap, so an isolate parses its environment once), a {@link ConfigError} naming every bad
 * setting otherwise, and the component's own shape built from the parsed data.
 */
import type { z } from 'zod'

export class ConfigError extends Error {
  override name = 'ConfigError'
}

export interface CachedConfigOptions {
  /** A check made before the schema (e.g. a secret's strength); its message is the error. */
  precheck?: (raw: Record<string, unknown>) => string | undefined
}

/**
 * A reader of the `label` configuration: `build` turns the parsed bindings (and any extra
 * arguments) into the configuration, cached per raw bindings object. Throws
 * `ConfigError("invalid <label> configuration: <path>: <message>; …")`.
 */
export function parseCachedConfig<S extends z.ZodType, T, A extends unknown[] = []>(
  schema: S,
  label: string,
  build: (data: z.output<S>, raw: Record<string, unknown>, ...args: A) => T,
  opts: CachedConfigOptions = {}
): (raw: Record<string, unknown>, ...args: A) => T {
  const cache = new WeakMap<object, T>()
  return (raw, ...args) => {
    const hit = cache.get(raw)
    if (hit !== undefined) return hit
    const problem = opts.precheck?.(raw)
    if (problem) throw new ConfigError(problem)
    const parsed = schema.safeParse(raw)
    if (!parsed.success) {
      const detail = parsed.error.issues
        .map((i) => `${i.path.join('.') || '(env)'}: ${i.message}`)
        .join('; ')
      throw new ConfigError(`invalid ${label} configuration: ${detail}`)
    }
    const out = build(parsed.data, raw, ...args)
    cache.set(raw, out)
    return out
  }
}
