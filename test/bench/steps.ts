/**
 * @module steps
 * `npx tsx test/bench/steps.ts` (against a running local cloud: `npm start`, or
 * EDGEWATER_PORT_OFFSET for another one): the operations the local cloud counts for each step of
 * a steady-state re-registration (REGISTER → 401; REGISTER with digest → 200), of a
 * re-registration on an authenticated TLS flow without a fresh challenge (REGISTER → 200; the
 * local cloud counts `/sip?tls=loopback` as `wss:`), of the flow's expiry of a binding refreshed
 * near its expiry (the refresh moves the flow's alarm; real time, with the flow objects' own
 * counters from `GET /metrics.json`), and of an on-net call (INVITE → 180; 200 → ACK; BYE →
 * 200), as Markdown tables for docs/performance.md. Each step is counted from a reset of the
 * counters until they stop changing.
 *
 * For the cost model (test/bench/cost.ts) it saves, in `.local/`, the use of the registration
 * every production flow makes (the wss: shape: one message, one invocation), of the call (with
 * the messages the clients sent, and the write units of the call record's items and of their
 * secondary-index entries, which the local table proxy does not count, read off the items the
 * call left in its partition) and of the expiry event.
 */

import { DynamoDBClient, QueryCommand } from '@aws-sdk/client-dynamodb'
import { Inviter, UserAgent } from 'sip.js'
import type { Endpoints } from '../../infra/local/cloud'
import { settingsFromEnv } from '../../infra/local/contract'
import type { CountersSnapshot } from '../../infra/local/counters'
import { itemSize } from '../../infra/local/emulators/dynamo-proxy'
import { DEFAULT_SIMSERVS_XML } from '../../shared/ims/simservs-default'
import { callRecordKey } from '../../shared/ralf/call-record'
import { agent, sent } from './support/call-load'
import type { OperationUse } from './support/cost-model'
import { mmtelIfc, provisionSubscriber, signed, usePerOperation } from './support/edgewater-use'
import { Registrant, SipConn } from './support/register-load'
import { saveUse } from './support/report'
import { sleep, table } from './support/stats'

const control = `http://127.0.0.1:${settingsFromEnv().controlPort}`
const get = async (p: string, method = 'GET') =>
  (await (await fetch(`${control}${p}`, { method })).json()) as CountersSnapshot

async function settled(): Promise<CountersSnapshot> {
  let last = ''
  let same = 0
  for (;;) {
    const s = await get('/counters')
    const text = JSON.stringify(s.regions)
    same = text === last ? same + 1 : 0
    if (same >= 3) return s
    last = text
    await sleep(300)
  }
}

const rows: string[][] = []
function record(step: string, s: CountersSnapshot) {
  const fmt = (o: Record<string, number>) =>
    Object.entries(o)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ') || '–'
  for (const r of ['a', 'b'] as const) {
    const x = s.regions[r]
    rows.push([
      step,
      r,
      `${x.kv.commands.total} (${fmt(x.kv.commands.by)})`,
      String(x.kv.requests),
      fmt(x.table.by),
      fmt(x.scheduler.api.by),
      fmt(x.functions.routes.by),
      fmt(x.edge.requests.by),
    ])
  }
}

/** The flow objects' expiry counters (`GET /metrics.json` on the control port), by label. */
async function flowExpiryCounts(): Promise<{
  alarms: Record<string, number>
  writes: Record<string, number>
}> {
  const { families } = (await (await fetch(`${control}/metrics.json`)).json()) as {
    families: Array<{
      name: string
      series: Array<{ labels: Record<string, string>; value: number }>
    }>
  }
  const by = (name: string, label: string) => {
    const out: Record<string, number> = {}
    for (const x of families.find((f) => f.name === name)?.series ?? [])
      out[x.labels[label]!] = (out[x.labels[label]!] ?? 0) + x.value
    return out
  }
  return {
    alarms: by('edgewater_flow_expiry_alarms_total', 'outcome'),
    writes: by('edgewater_flow_expiry_writes_total', 'op'),
  }
}
const sumOf = (o: Record<string, number>) => Object.values(o).reduce((a, b) => a + b, 0)

async function step(name: string, run: () => Promise<void>): Promise<CountersSnapshot> {
  await settled()
  await get('/counters/reset', 'POST')
  await run()
  const s = await settled()
  record(name, s)
  return s
}

const e = (await (await fetch(`${control}/endpoints`)).json()) as Endpoints
const stamp = String(Date.now()).slice(-6)
const acct = await provisionSubscriber(e, `65${stamp}900`, 'steps-pw')
const r = new Registrant(await SipConn.open(e.sip.a), acct, 'steps')
await r.registerOnce()
await r.registerOnce()
// Split the exchange: the registrant's own message builder, one leg at a time.
const rr = r as unknown as {
  cseq: number
  message(auth?: string): string
  answer(ch: string): string
  callId: string
}
let challenge = ''
await step('REGISTER → 401', async () => {
  rr.cseq++
  challenge = await r.conn.request(rr.message(), rr.callId, rr.cseq)
})
await step('REGISTER (digest) → 200', async () => {
  rr.cseq++
  const ok = await r.conn.request(rr.message(rr.answer(challenge)), rr.callId, rr.cseq)
  if (!ok.startsWith('SIP/2.0 200')) throw new Error(`expected 200: ${ok.slice(0, 60)}`)
})
// The one-round-trip shape: a flow that a 200 authenticated over TLS re-registers without a
// fresh challenge (docs/registrar.md); the edge marks its REGISTER, Sprout checks the binding.
const pacct = await provisionSubscriber(e, `65${stamp}903`, 'steps-pw')
const p = new Registrant(await SipConn.open(`${e.sip.a}?tls=loopback`), pacct, 'steps-tls')
await p.registerOnce()
await p.registerOnce()
const pr = p as unknown as typeof rr
const tls = await step('REGISTER on an authenticated TLS flow → 200 (no challenge)', async () => {
  pr.cseq++
  const res = await p.conn.request(pr.message(), pr.callId, pr.cseq)
  if (!res.startsWith('SIP/2.0 200')) throw new Error(`expected 200: ${res.slice(0, 60)}`)
})
p.conn.close()
// Every production flow is wss:, so this is the re-registration the cost model prices.
saveUse('steps-registration', usePerOperation(tls, 1, 1, 0))
// Binding expiry kept by the flow (docs/registrar.md): a refresh after which the flow's alarm
// would fire before the client's next refresh moves the alarm (one row written); the alarm does
// not fire at the first expiry. The alarm runs on the edge's own clock, so this step uses real
// time and a short registration, EXPIRY_S, refreshed at REFRESH_S (as a client refreshing near
// its expiry does); counted from before the refresh until past the first expiry and its grace.
const EXPIRY_S = 8
const REFRESH_S = 6.5
const GRACE_S = 2
const xacct = await provisionSubscriber(e, `65${stamp}904`, 'steps-pw')
const x = new Registrant(await SipConn.open(e.sip.a), xacct, 'steps-expiry')
const xr = x as unknown as typeof rr
const shortRegister = async () => {
  const short = (m: string) => m.replace('Expires: 600', `Expires: ${EXPIRY_S}`)
  xr.cseq++
  const ch = await x.conn.request(short(xr.message()), xr.callId, xr.cseq)
  xr.cseq++
  const res = await x.conn.request(short(xr.message(xr.answer(ch))), xr.callId, xr.cseq)
  if (!res.startsWith('SIP/2.0 200')) throw new Error(`expected 200: ${res.slice(0, 60)}`)
}
const t0 = Date.now()
await shortRegister()
await sleep(t0 + REFRESH_S * 1000 - Date.now())
const flowBefore = await flowExpiryCounts()
await shortRegister()
await step(
  "past the first expiry of a binding refreshed near it (the flow's alarm moved)",
  async () => {
    await sleep(t0 + (EXPIRY_S + GRACE_S + 1.5) * 1000 - Date.now())
  }
)
const flowAfter = await flowExpiryCounts()
const alarms = sumOf(flowAfter.alarms) - sumOf(flowBefore.alarms)
const writes = sumOf(flowAfter.writes) - sumOf(flowBefore.writes)
rows.push([
  "(the flow's own counters, from before the refresh)",
  'edge',
  `alarms ${alarms}, storage rows written ${writes} (setAlarm)`,
  '',
  '',
  '',
  '',
  '',
])
// The expiry event (test/bench/cost.ts): the rows the flow wrote and the alarms it ran for it.
saveUse('expiry-event', {
  functionInvocations: 0,
  kvCommands: 0,
  kvCommandsBusiestRegion: 0,
  tableReadUnits: 0,
  tableWriteUnits: 0,
  tableReplicatedWriteUnits: 0,
  schedules: 0,
  edgeRequests: 0,
  websocketMessages: 0,
  workerdCpuMs: 0,
  durableObjectAlarms: alarms,
  durableObjectRowsWritten: writes,
})
x.conn.close()
r.conn.close()

const lines = await Promise.all(
  [901, 902].map(async (n) => {
    const a = await provisionSubscriber(e, `65${stamp}${n}`, 'steps-pw')
    await signed(e, `${e.functions.a.dime}${a.sp}/filter_criteria`, 'PUT', mmtelIfc(e.homeDomain))
    await signed(
      e,
      `${e.functions.a.homer}/org.etsi.ngn.simservs/users/${encodeURIComponent(a.impu)}/simservs.xml`,
      'PUT',
      DEFAULT_SIMSERVS_XML,
      { 'content-type': 'application/vnd.etsi.simservs+xml' }
    )
    return a
  })
)
// The callee rings, and answers only when told.
let answer: (() => void) | undefined
const callee = await agent(e.sip.a, lines[1]!, false)
callee.delegate = {
  onInvite: (inv) => {
    answer = () => void inv.accept().catch(() => undefined)
  },
}
const caller = await agent(e.sip.a, lines[0]!, false)
let inviter: Inviter | undefined
let answered: Promise<void> = Promise.resolve()
const tableA = new DynamoDBClient({
  endpoint: e.tables.a,
  region: 'local-a',
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
})
/** The call record's items (bytes by DynamoDB's rules, and how many indexes list each), by sk. */
async function callRecordItems(
  id: string
): Promise<Map<string, { size: number; indexes: number }>> {
  const { Items } = await tableA.send(
    new QueryCommand({
      TableName: 'edgewater',
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': { S: callRecordKey(id).pk } },
      ConsistentRead: true,
    })
  )
  const out = new Map<string, { size: number; indexes: number }>()
  for (const item of Items ?? [])
    out.set(String(item.sk?.S), {
      size: itemSize(item),
      indexes: ['gsi1pk', 'gsi2pk'].filter((k) => k in item).length,
    })
  if (!out.has(callRecordKey(id).sk)) throw new Error(`no call record for ${id}`)
  return out
}
const sentBefore = sent.messages
const callSteps: CountersSnapshot[] = []
callSteps[0] = await step('INVITE → 100, 180', async () => {
  inviter = new Inviter(caller, UserAgent.makeURI(lines[1]!.impu)!)
  answered = new Promise<void>((resolve) => {
    void inviter!.invite({ requestDelegate: { onAccept: () => resolve() } })
  })
  for (let i = 0; i < 200 && !answer; i++) await sleep(20)
})
callSteps[1] = await step('200 → ACK', async () => {
  answer?.()
  await answered
})
// The START's item is written once the call is answered.
await callRecordItems(inviter!.request.callId)
callSteps[2] = await step('BYE → 200', async () => {
  await new Promise<void>((resolve) => {
    void inviter!.bye({ requestDelegate: { onAccept: () => resolve() } })
  })
})
const callMessages = sent.messages - sentBefore
const callId = inviter!.request.callId
await Promise.all([caller.stop(), callee.stop()])
// The call record (shared/ralf/call-record.ts): START puts the call's item, STOP reads it and
// puts an item of its own. DynamoDB bills a put by the item's size (per KB) in each region (the
// writing one, then each replica), and each secondary index whose key the item carries (gsi1,
// gsi2, projecting the whole item) in standard units in each region. The local proxy counts the
// puts but no index entry, so the record's units are read off its items: every item the call
// wrote, and how many indexes list each.
const items = await callRecordItems(callId)
const units = (bytes: number) => Math.max(1, Math.ceil(bytes / 1024))
const written = [...items.values()]
const recordUnits = written.reduce((n, i) => n + units(i.size), 0)
const indexWriteUnits = written.reduce((n, i) => n + units(i.size) * i.indexes * 2, 0)
const tableWrites = callSteps.reduce(
  (n, c) =>
    n +
    (['a', 'b'] as const).reduce(
      (m, r) => m + (c.regions[r].table.by.PutItem ?? 0) + (c.regions[r].table.by.UpdateItem ?? 0),
      0
    ),
  0
)
if (tableWrites !== items.size)
  throw new Error(`expected one write per call record item (${items.size}), counted ${tableWrites}`)
const describeItem = (sk: string, i: { size: number; indexes: number }) =>
  `${sk} ${i.size} bytes in ${i.indexes} indexes`
rows.push([
  '(the call record)',
  'a, b',
  `${[...items].map(([sk, i]) => describeItem(sk, i)).join('; ')}: ${recordUnits} write units per region, ${indexWriteUnits} index write units over both regions`,
  '',
  '',
  '',
  '',
  '',
])
const callUse = usePerOperation(callSteps[0]!, 1, 0, 0)
for (const c of callSteps.slice(1)) {
  const u = usePerOperation(c, 1, 0, 0)
  for (const k of Object.keys(u) as Array<keyof OperationUse>)
    callUse[k] = (callUse[k] ?? 0) + (u[k] ?? 0)
}
saveUse('steps-call', {
  ...callUse,
  websocketMessages: callMessages,
  tableWriteUnits: recordUnits,
  tableReplicatedWriteUnits: recordUnits,
  tableIndexWriteUnits: indexWriteUnits,
})

console.log(
  table(
    [
      'step',
      'region',
      'KV commands (billed)',
      'KV REST calls',
      'table',
      'Scheduler',
      'function invocations',
      'requests to the edge',
    ],
    rows
  )
)
process.exit(0)
