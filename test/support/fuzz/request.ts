/** The fast-check arbitrary of a mutated request: one template with path, body and header mutations. */
import fc from 'fast-check'
import { CONTENT_TYPES, HEADER_NAMES, headerValue, wireSafe } from './headers'
import { applyJsonOp, jsonOp } from './json-mutations'
import { applyPathOps, type PathOp, pathOp } from './path-mutations'
import type { FuzzRequest, Signing, Template } from './template'
import { applyTextOp, type TextOp, textOp } from './text-mutations'
import { applyXmlOp, xmlOp } from './xml-mutations'

/**
 * Methods to try instead of the template's. Only methods workerd's HTTP server passes on: it
 * answers any other (PROPFIND, made-up tokens) itself with an empty 400 before a function runs.
 */
const METHODS = ['GET', 'HEAD', 'PUT', 'POST', 'DELETE', 'PATCH', 'OPTIONS']

export interface FuzzOptions {
  /** Whether requests are signed for the trusted zone (most are; some unsigned or forged). */
  signed: boolean
  /** Headers every request of this API carries unless mutated away (e.g. credentials). */
  baseHeaders?: Record<string, string>
}

export function fuzzRequest(templates: Template[], opts: FuzzOptions): fc.Arbitrary<FuzzRequest> {
  return fc
    .record({
      t: fc.constantFrom(...templates),
      // About one request in eight with another method, one in four with another content type.
      method: fc.oneof({ weight: 7, arbitrary: fc.constant(null) }, fc.constantFrom(...METHODS)),
      pathOps: fc.oneof(
        { weight: 2, arbitrary: fc.constant([] as PathOp[]) },
        fc.array(pathOp, { minLength: 1, maxLength: 3 })
      ),
      jsonOps: fc.array(jsonOp, { maxLength: 3 }),
      xmlOps: fc.array(xmlOp, { maxLength: 1 }),
      textOps: fc.oneof(
        { weight: 3, arbitrary: fc.constant([] as TextOp[]) },
        fc.array(textOp, { minLength: 1, maxLength: 2 })
      ),
      bodyKind: fc.constantFrom('template', 'template', 'template', 'none', 'raw'),
      contentType: fc.oneof(
        { weight: 3, arbitrary: fc.constant(null) },
        fc.constantFrom(...CONTENT_TYPES)
      ),
      headers: fc.array(fc.tuple(fc.constantFrom(...HEADER_NAMES), headerValue), { maxLength: 3 }),
      // One request in six without the API's usual credentials.
      dropBase: fc.oneof({ weight: 5, arbitrary: fc.constant(false) }, fc.constant(true)),
      signing: opts.signed
        ? fc.constantFrom<Signing>(
            'good',
            'good',
            'good',
            'good',
            'good',
            'good',
            'good',
            'good',
            'none',
            'bad'
          )
        : fc.constant<Signing>('none'),
    })
    .map((r): FuzzRequest => {
      const mutations: string[] = []
      const { path, labels } = applyPathOps(r.t, r.pathOps)
      mutations.push(...labels)
      const method = r.method ?? r.t.method
      if (r.method) mutations.push(`method ${r.method}`)

      let body: Buffer | undefined
      const b = r.t.body
      if (r.bodyKind === 'none') {
        if (b) mutations.push('body removed')
      } else if (r.bodyKind === 'raw' || !b) {
        const garbage = applyTextOp(Buffer.from(''), r.textOps[0] ?? { op: 'replace', text: 'x' })
        body = garbage.body
        mutations.push(`raw body: ${garbage.label}`)
      } else if (b.kind === 'json') {
        let v = b.value
        for (const o of r.jsonOps) {
          const out = applyJsonOp(v, o)
          v = out.value
          mutations.push(`json: ${out.label}`)
        }
        body = Buffer.from(v === undefined ? '' : JSON.stringify(v))
      } else {
        let x: { body: Buffer; label: string } = { body: Buffer.from(b.value), label: '' }
        for (const o of r.xmlOps) {
          x = applyXmlOp(b.value, o)
          mutations.push(`xml: ${x.label}`)
        }
        body = x.body
      }
      if (body && r.bodyKind === 'template')
        for (const o of r.textOps) {
          const out = applyTextOp(body, o)
          body = out.body
          mutations.push(`bytes: ${out.label}`)
        }

      const headers: Record<string, string> = {}
      if (!r.dropBase || !opts.baseHeaders) Object.assign(headers, opts.baseHeaders)
      else mutations.push('credentials dropped')
      Object.assign(headers, r.t.headers ?? {})
      if (b?.kind === 'json') headers['content-type'] = 'application/json'
      if (b?.kind === 'xml') headers['content-type'] = 'application/vnd.etsi.simservs+xml'
      if (r.contentType !== null) {
        headers['content-type'] = r.contentType
        mutations.push(`content-type ${JSON.stringify(r.contentType)}`)
      }
      for (const [name, value] of r.headers) {
        headers[name] = wireSafe(value)
        mutations.push(`header ${name}: ${JSON.stringify(value.slice(0, 40))}`)
      }
      if (opts.signed && r.signing !== 'good') mutations.push(`signature ${r.signing}`)
      return { template: r.t.name, method, path, headers, body, signing: r.signing, mutations }
    })
}
