/**
 * @module ellis/routes/route-kit
 * One table of route definitions drives both the router and the OpenAPI document: each route
 * is a `createRoute` config (path, method, parameters, bodies, answers) registered in the
 * OpenAPI registry and mounted on the hono router with and without a trailing slash (Tornado's
 * `/?`). Bodies are read by the handlers themselves (JSON, form or guessed, as Clearwater's
 * Ellis accepts them) and checked with the same zod schemas the document shows. Other methods
 * on a known path get 405 with `Allow`; unknown paths under `/api` get Ellis's JSON 404.
 */
import { OpenAPIHono, type RouteConfig, type z } from '@hono/zod-openapi'
import type { FunctionBindings } from '../../../shared/http/function-app'
import { EllisError, errorResponse } from '../api-errors'
import { ErrorAnswer } from '../api-schemas'
import type { DepsResolver, EllisContext, EllisDeps } from '../ellis-deps'

export type RouteHandler = (c: EllisContext, deps: EllisDeps) => Promise<Response> | Response

const honoPath = (openapiPath: string) => openapiPath.replaceAll(/\{([^}]+)\}/g, ':$1')

export class RouteTable {
  readonly app = new OpenAPIHono<FunctionBindings>()
  private readonly methods = new Map<string, Set<string>>()

  constructor(private readonly resolve: DepsResolver) {}

  add(route: RouteConfig, handler: RouteHandler): void {
    this.app.openAPIRegistry.registerPath(route)
    this.mount(route.method.toUpperCase(), route.path, handler)
  }

  /** A route served but not documented separately (aliases such as `/api/1/gab`). */
  alias(method: string, path: string, handler: RouteHandler): void {
    this.mount(method.toUpperCase(), path, handler)
  }

  /** 405 for other methods on known paths, then the JSON 404 for everything else under /api. */
  finish(): OpenAPIHono<FunctionBindings> {
    for (const [path, methods] of this.methods) {
      const allow = [...methods].join(', ')
      const p = honoPath(path)
      this.app.all(p, (c) =>
        errorResponse(
          new EllisError(405, `${c.req.method} is not allowed here; use ${allow}`, {}, { allow })
        )
      )
      this.app.all(`${p}/`, (c) =>
        errorResponse(
          new EllisError(405, `${c.req.method} is not allowed here; use ${allow}`, {}, { allow })
        )
      )
    }
    this.app.all('/api/*', (c) => errorResponse(new EllisError(404, `no API route ${c.req.path}`)))
    return this.app
  }

  private mount(method: string, path: string, handler: RouteHandler): void {
    const p = honoPath(path)
    this.app.on(method, [p, `${p}/`], (c) => handler(c, this.resolve(c)))
    let set = this.methods.get(path)
    if (!set) this.methods.set(path, (set = new Set()))
    set.add(method)
    if (method === 'GET') set.add('HEAD')
  }
}

/** Documented error answers (the body of clearwater-interfaces §1.2). */
export function errorAnswers(
  codes: Record<number, string>
): Record<number, { description: string; content: { 'application/json': { schema: z.ZodType } } }> {
  const out: Record<
    number,
    { description: string; content: { 'application/json': { schema: z.ZodType } } }
  > = {}
  for (const [code, description] of Object.entries(codes))
    out[Number(code)] = { description, content: { 'application/json': { schema: ErrorAnswer } } }
  return out
}

/** A JSON answer description. */
export const jsonAnswer = (description: string, schema: z.ZodType) => ({
  description,
  content: { 'application/json': { schema } },
})

/** A request body accepted as JSON or a form (Clearwater's Tornado handlers take both). */
export const formOrJson = (schema: z.ZodType, description?: string) => ({
  required: false,
  ...(description ? { description } : {}),
  content: {
    'application/json': { schema },
    'application/x-www-form-urlencoded': { schema },
  },
})
