/**
 * @module edgewater-use
 * Edgewater's side of a bench: subscribers provisioned through Dime's Homestead-prov API, and
 * the counted operations of a phase turned into use per operation for the cost model.
 */
import type { Endpoints } from '../../../infra/local/cloud'
import type { CountersSnapshot } from '../../../infra/local/counters'
import { REGIONS } from '../../../shared/config/regions'
import { signRequest } from '../../../shared/hop/signature'
import type { OperationUse } from './cost-model'
import type { Account } from './register-load'
import { fmt, table } from './stats'

/** A request to a function of region a, signed for the trusted zone. */
export async function signed(
  e: Endpoints,
  url: string,
  method: string,
  body?: string,
  headers: Record<string, string> = {}
): Promise<Response> {
  const sig = await signRequest(e.hopSecret, method, url, body ?? null)
  const res = await fetch(url, {
    method,
    redirect: 'manual',
    headers: { ...sig, ...headers },
    ...(body !== undefined ? { body } : {}),
  })
  if (res.status >= 400) throw new Error(`${method} ${url}: ${res.status} ${await res.text()}`)
  return res
}

/** Ellis's default iFC: every INVITE to the MMTEL application server. */
export const mmtelIfc = (domain: string) =>
  `<?xml version="1.0" encoding="UTF-8"?><ServiceProfile><InitialFilterCriteria><TriggerPoint><ConditionTypeCNF>0</ConditionTypeCNF><SPT><ConditionNegated>0</ConditionNegated><Group>0</Group><Method>INVITE</Method><Extension></Extension></SPT></TriggerPoint><ApplicationServer><ServerName>sip:mmtel.${domain}</ServerName><DefaultHandling>0</DefaultHandling></ApplicationServer></InitialFilterCriteria></ServiceProfile>`

/** A subscriber as Ellis provisions one (private id, IRS, service profile, public id). */
export async function provisionSubscriber(
  e: Endpoints,
  number: string,
  password: string
): Promise<Account & { sp: string }> {
  const impu = `sip:${number}@${e.homeDomain}`
  const impi = `${number}@${e.homeDomain}`
  const dime = e.functions.a.dime
  const enc = encodeURIComponent
  await signed(
    e,
    `${dime}/private/${enc(impi)}`,
    'PUT',
    JSON.stringify({ plaintext_password: password })
  )
  const irs = (await signed(e, `${dime}/irs/`, 'POST')).headers.get('location')?.split('/')[2]
  await signed(
    e,
    `${dime}/private/${enc(impi)}/associated_implicit_registration_sets/${irs}`,
    'PUT'
  )
  const sp = (await signed(e, `${dime}/irs/${irs}/service_profiles`, 'POST')).headers.get(
    'location'
  )!
  await signed(
    e,
    `${dime}${sp}/public_ids/${enc(impu)}`,
    'PUT',
    `<PublicIdentity><Identity>${impu}</Identity></PublicIdentity>`
  )
  return { impu, impi, password, domain: e.homeDomain, sp }
}

/** Counted operations of a phase, per operation. */
export function usePerOperation(
  c: CountersSnapshot,
  ops: number,
  websocketMessagesPerOp: number,
  workerdCpuMs: number
): OperationUse {
  const per = (f: (r: CountersSnapshot['regions']['a']) => number) =>
    REGIONS.reduce((n, r) => n + f(c.regions[r]), 0) / ops
  return {
    functionInvocations: per((r) => r.functions.invocations.total),
    kvCommands: per((r) => r.kv.commands.total),
    kvCommandsBusiestRegion: Math.max(...REGIONS.map((r) => c.regions[r].kv.commands.total)) / ops,
    tableReadUnits: per((r) => r.table.readUnits),
    tableWriteUnits: per((r) => r.table.writeUnits),
    tableReplicatedWriteUnits: per((r) => r.table.replicatedWriteUnits),
    schedules: per(
      (r) => (r.scheduler.api.by.CreateSchedule ?? 0) + (r.scheduler.api.by.UpdateSchedule ?? 0)
    ),
    edgeRequests: per((r) => r.edge.requests.total),
    websocketMessages: websocketMessagesPerOp,
    workerdCpuMs,
  }
}

/** The store operations per operation, per region, as a Markdown table. */
export function storeTable(c: CountersSnapshot, ops: number): string {
  const cell = (n: number) => fmt(n / ops, 2)
  const by = (o: Record<string, number>) =>
    Object.entries(o)
      .map(([k, v]) => `${k} ${fmt(v / ops, 1)}`)
      .join(', ') || '–'
  const rows: string[][] = []
  for (const r of REGIONS) {
    const x = c.regions[r]
    rows.push([`${r}: KV commands (billed)`, cell(x.kv.commands.total), by(x.kv.commands.by)])
    rows.push([`${r}: KV REST requests`, cell(x.kv.requests), by(x.kv.rest.by)])
    rows.push([
      `${r}: table operations`,
      cell(x.table.total),
      `${by(x.table.by)}; RRU ${fmt(x.table.readUnits / ops, 2)}, WRU ${fmt(x.table.writeUnits / ops, 2)}, rWRU ${fmt(x.table.replicatedWriteUnits / ops, 2)}`,
    ])
    rows.push([`${r}: Scheduler API calls`, cell(x.scheduler.api.total), by(x.scheduler.api.by)])
    rows.push([
      `${r}: function invocations`,
      cell(x.functions.invocations.total),
      by(x.functions.routes.by),
    ])
    rows.push([
      `${r}: requests to the edge (DO)`,
      cell(x.edge.requests.total),
      by(x.edge.requests.by),
    ])
  }
  return table(['per operation', 'count', 'by name'], rows)
}
