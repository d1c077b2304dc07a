/**
 * @module ims/ifc-build
 * Writes a `<ServiceProfile>` of Initial Filter Criteria (TS 29.228 Annex B, clearwater-interfaces
 * §2.3) from a compact description, the way the live tests' `ifcs.xml.erb` template does: each iFC
 * ANDs its conditions in group 0 (ConditionTypeCNF 0), and a condition may be negated. Used to
 * provision application-server chains in tests and tools; the result parses with
 * `parseFilterCriteriaXml(…, 'strict')`.
 */
import { escapeXml } from '../../../shared/ims/xml-tree'

export type IfcCondition =
  | { method: string }
  | { sessionCase: 0 | 1 | 2 | 3 | 4 }
  | { requestUri: string }
  | { header: string; content?: string }

export interface IfcSpec {
  server: string
  priority?: number
  /** 0 SESSION_CONTINUED (default), 1 SESSION_TERMINATED. */
  defaultHandling?: 0 | 1
  conditions: Array<IfcCondition & { negated?: boolean }>
}

function spt(c: IfcCondition & { negated?: boolean }): string {
  let body: string
  if ('method' in c) body = `<Method>${escapeXml(c.method)}</Method>`
  else if ('sessionCase' in c) body = `<SessionCase>${c.sessionCase}</SessionCase>`
  else if ('requestUri' in c) body = `<RequestURI>${escapeXml(c.requestUri)}</RequestURI>`
  else
    body = `<SIPHeader><Header>${escapeXml(c.header)}</Header>${c.content !== undefined ? `<Content>${escapeXml(c.content)}</Content>` : ''}</SIPHeader>`
  return `<SPT><ConditionNegated>${c.negated ? 1 : 0}</ConditionNegated><Group>0</Group>${body}</SPT>`
}

export function buildIfcXml(specs: readonly IfcSpec[]): string {
  const ifcs = specs
    .map(
      (s) =>
        `<InitialFilterCriteria><Priority>${s.priority ?? 0}</Priority><TriggerPoint><ConditionTypeCNF>0</ConditionTypeCNF>${s.conditions
          .map(spt)
          .join(
            ''
          )}</TriggerPoint><ApplicationServer><ServerName>${escapeXml(s.server)}</ServerName><DefaultHandling>${s.defaultHandling ?? 0}</DefaultHandling></ApplicationServer></InitialFilterCriteria>`
    )
    .join('')
  return `<?xml version="1.0" encoding="UTF-8"?><ServiceProfile>${ifcs}</ServiceProfile>`
}
