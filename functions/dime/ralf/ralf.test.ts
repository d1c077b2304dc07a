import { describe, expect, it } from 'vitest'
import { laterRecordItem, startItem } from '../../../shared/ralf/call-record'
import { type Outbound, testDime } from '../../../test/support/kits/dime-kit'

const CALL = 'a84b4c76e66710@pc33.example.com'
const enc = encodeURIComponent

function acr(type: number, extra: Record<string, unknown> = {}, role = 0, fn = 0) {
  return JSON.stringify({
    ...(type === 1 || type === 2
      ? { peers: { ccf: ['cdf1.example.com', 'cdf2.example.com'] } }
      : {}),
    event: {
      'Accounting-Record-Type': type,
      'Event-Timestamp': 1444118158,
      'Service-Information': {
        'IMS-Information': {
          'Role-Of-Node': role,
          'Node-Functionality': fn,
          'Event-Type': { 'SIP-Method': 'INVITE' },
          'Calling-Party-Address': ['sip:6505550001@example.com'],
          'Called-Party-Address': 'sip:6505550002@example.com',
        },
      },
      ...extra,
    },
  })
}

type CdrList = { cdrs: Array<Record<string, unknown>> }
const post = (
  kit: ReturnType<typeof testDime>,
  body: string,
  q = '',
  headers?: Record<string, string>
) => kit.request('POST', `/call-id/${enc(CALL)}${q}`, body, headers)
const cdrs = async (kit: ReturnType<typeof testDime>, q = `call-id=${enc(CALL)}`) =>
  ((await (await kit.request('GET', `/cdrs?${q}`)).json()) as CdrList).cdrs

describe('ACR validation', () => {
  it.each([
    ['not json', /not valid JSON/],
    ['{}', /^event:/],
    [JSON.stringify({ event: { 'Accounting-Record-Type': 2 } }), /^event.Service-Information:/],
    [
      JSON.stringify({
        event: {
          'Accounting-Record-Type': 2,
          'Service-Information': { 'IMS-Information': { 'Node-Functionality': 0 } },
        },
      }),
      /^event.Service-Information.IMS-Information.Role-Of-Node: must be an integer/,
    ],
    [
      JSON.stringify({
        event: {
          'Accounting-Record-Type': 2,
          'Service-Information': {
            'IMS-Information': { 'Role-Of-Node': 0, 'Node-Functionality': 'x' },
          },
        },
      }),
      /Node-Functionality: must be an integer/,
    ],
    [acr(5), /^event.Accounting-Record-Type: must be 1 \(EVENT\)/],
    [
      JSON.stringify({ ...JSON.parse(acr(2)), peers: { ccf: [] } }),
      /^peers.ccf: must not be empty/,
    ],
    [
      JSON.stringify({ ...JSON.parse(acr(2)), peers: { ccf: [1] } }),
      /^peers.ccf.0: must be a string/,
    ],
    [JSON.stringify({ ...JSON.parse(acr(1)), peers: {} }), /^peers.ccf: must be an array/],
  ])('400 for %s', async (body, reason) => {
    const kit = testDime()
    const res = await post(kit, body)
    expect(res.status).toBe(400)
    expect(((await res.json()) as { reason: string }).reason).toMatch(reason)
  })

  it('drops a START without peers with 200 and charges nothing; other methods get 405', async () => {
    const kit = testDime()
    const { peers: _p, ...noPeers } = JSON.parse(acr(2)) as Record<string, unknown>
    expect((await post(kit, JSON.stringify(noPeers))).status).toBe(200)
    expect(await cdrs(kit)).toEqual([])
    expect((await kit.request('GET', `/call-id/${enc(CALL)}`)).status).toBe(405)
  })
})

describe('sessions, record numbers, interim timers, CDRs', () => {
  it('START → INTERIM → timer INTERIM → STOP leaves a numbered CDR trail and cleans up', async () => {
    const kit = testDime()
    const timers = kit.vellum.timers
    expect((await post(kit, acr(2, { 'Acct-Interim-Interval': 600 }))).status).toBe(200)
    // Interim interval 300 s (no CDF proposal) < refresh 600 s: a timer, repeat-for 600 s.
    expect(timers.timers.size).toBe(1)
    const [id, held] = [...timers.timers.entries()][0]!
    expect(held.spec).toMatchObject({
      intervalMs: 300_000,
      repeatForMs: 600_000,
      callbackUri: `http://127.0.0.1:9801/call-id/${enc(CALL)}?timer-interim=true`,
    })
    const opaque = JSON.parse(held.spec.opaque) as { event: Record<string, unknown> }
    expect(opaque.event['Accounting-Record-Type']).toBe(3)

    kit.clock.advance(10_000)
    expect((await post(kit, acr(3))).status).toBe(200)
    const rearmed = timers.timers.get(id)!
    expect(rearmed.startMs).toBe(kit.clock.now()) // re-armed from now, same id

    // The timer pops: an INTERIM that does not re-arm.
    kit.clock.advance(300_000)
    const pops = timers.takeDue()
    expect(pops).toHaveLength(1)
    const pop = pops[0]!
    expect(
      (await post(kit, pop.opaque, '?timer-interim=true', { 'x-sequence-number': String(pop.seq) }))
        .status
    ).toBe(200)
    expect(timers.timers.get(id)!.startMs).toBe(rearmed.startMs)
    // A duplicate delivery of the same pop is not charged twice.
    const dup = await post(kit, pop.opaque, '?timer-interim=true', {
      'x-sequence-number': String(pop.seq),
    })
    expect(((await dup.json()) as { result: string }).result).toMatch(/duplicate/)

    kit.clock.advance(5_000)
    expect((await post(kit, acr(4))).status).toBe(200)
    expect(timers.timers.size).toBe(0)

    const trail = await cdrs(kit)
    expect(trail.map((c) => [c.record_type, c.accounting_record_number, c.timer_interim])).toEqual([
      ['START', 1, false],
      ['INTERIM', 2, false],
      ['INTERIM', 3, true],
      ['STOP', 4, false],
    ])
    expect(new Set(trail.map((c) => c.session_id)).size).toBe(1)
    expect(trail[0]).toMatchObject({
      call_id: CALL,
      role_of_node: 0,
      node_functionality: 0,
      served_user: 'sip:6505550001@example.com',
      calling_party: 'sip:6505550001@example.com',
      called_party: 'sip:6505550002@example.com',
      ccfs: ['cdf1.example.com', 'cdf2.example.com'],
      cdf: { status: 'not-configured' },
      region: 'a',
    })
    // The timer's INTERIM carries no addresses; the session's are used.
    expect(trail[2]?.served_user).toBe('sip:6505550001@example.com')

    // After STOP the session is gone: later INTERIM/STOP are ignored (200, no CDR).
    expect((await post(kit, acr(3))).status).toBe(200)
    expect((await post(kit, acr(4))).status).toBe(200)
    expect(await cdrs(kit)).toHaveLength(4)
  })

  it('a timer pop delivered in both regions (each claiming it in its own KV) is one CDR with one Accounting-Record-Number', async () => {
    const kit = testDime()
    const timers = kit.vellum.timers
    expect((await post(kit, acr(2, { 'Acct-Interim-Interval': 900 }))).status).toBe(200)
    kit.clock.advance(300_000)
    const [pop] = timers.takeDue()
    expect(pop?.seq).toBe(0)
    const deliver = () =>
      post(kit, pop!.opaque, '?timer-interim=true', { 'x-sequence-number': String(pop!.seq) })
    const first = (await (await deliver()).json()) as Record<string, unknown>
    expect(first).toMatchObject({ result: 'timer interim charged', accounting_record_number: 2 })
    // The other region's KV never saw this region's claim (a partition): it charges the pop too.
    const armedAt = (JSON.parse(pop!.opaque) as Record<string, number>)['timer-armed-at']
    const claim = `ralf:session:${CALL}:0:0:pop:${armedAt}:0`
    expect(await kit.vellum.kv.get(claim)).toBe(1)
    await kit.vellum.kv.del(claim)
    const second = (await (await deliver()).json()) as Record<string, unknown>
    expect(second).toMatchObject({ result: 'timer interim charged', accounting_record_number: 2 })
    // One record of the pop; Sprout's next record is numbered after it.
    kit.clock.advance(1_000)
    expect((await post(kit, acr(4))).status).toBe(200)
    const trail = await cdrs(kit)
    expect(trail.map((c) => [c.record_type, c.accounting_record_number, c.timer_interim])).toEqual([
      ['START', 1, false],
      ['INTERIM', 2, true],
      ['STOP', 3, false],
    ])
  })

  it('keeps the originating and terminating sessions of one Call-ID apart', async () => {
    const kit = testDime()
    for (const [type, role] of [
      [2, 0],
      [2, 1],
      [3, 1],
      [4, 0],
    ] as const) {
      await post(kit, acr(type, {}, role))
      kit.clock.advance(1)
    }
    const trail = await cdrs(kit)
    expect(trail.map((c) => [c.role_of_node, c.record_type, c.accounting_record_number])).toEqual([
      [0, 'START', 1],
      [1, 'START', 1],
      [1, 'INTERIM', 2],
      [0, 'STOP', 2],
    ])
    // No refresh time proposed: no interim timer.
    expect(kit.vellum.timers.timers.size).toBe(0)
    const term = await cdrs(kit, `impu=${enc('sip:6505550002@example.com')}&from=0`)
    expect(term.map((c) => c.record_type)).toEqual(['START', 'INTERIM'])
    const orig = await cdrs(
      kit,
      `impu=${enc('sip:6505550001@example.com')}&from=${new Date(kit.clock.now() - 1000).toISOString()}&to=${kit.clock.now()}`
    )
    expect(orig.map((c) => c.record_type)).toEqual(['START', 'STOP'])
    expect(await cdrs(kit, `impu=${enc('sip:6505550001@example.com')}&from=0&to=1000`)).toEqual([])
  })

  it('EVENT is stateless with record number 1', async () => {
    const kit = testDime()
    await post(kit, acr(1))
    await post(kit, acr(1))
    const trail = await cdrs(kit)
    expect(trail.map((c) => [c.record_type, c.accounting_record_number])).toEqual([
      ['EVENT', 1],
      ['EVENT', 1],
    ])
    expect(trail[0]?.session_id).not.toBe(trail[1]?.session_id)
  })

  it('refuses bad CDR queries', async () => {
    const kit = testDime()
    for (const q of [
      '',
      'impu=x&call-id=y',
      'impu=x&from=yesterday',
      'impu=x&from=10&to=5',
      'call-id=x&limit=0',
    ])
      expect((await kit.request('GET', `/cdrs?${q}`)).status).toBe(400)
  })
})

describe('CDF delivery', () => {
  const withCdf = () => testDime({ CDF_URL: 'http://cdf.example.net/acr' })
  const toCdf = (o: Outbound[]) => o.filter((x) => x.url === 'http://cdf.example.net/acr')

  it('POSTs each CDR as JSON and takes the interim interval the CDF proposes', async () => {
    const kit = withCdf()
    kit.respond = () => Response.json({ 'Result-Code': 2001, 'Acct-Interim-Interval': 60 })
    await post(kit, acr(2, { 'Acct-Interim-Interval': 600 }))
    const sent = toCdf(kit.outbound)
    expect(sent).toHaveLength(1)
    expect(sent[0]?.headers['content-type']).toBe('application/json')
    expect(JSON.parse(sent[0]!.body)).toMatchObject({
      call_id: CALL,
      record_type: 'START',
      accounting_record_number: 1,
    })
    const held = [...kit.vellum.timers.timers.values()][0]!
    expect(held.spec.intervalMs).toBe(60_000)
    expect((await cdrs(kit))[0]?.cdf).toEqual({
      status: 'accepted',
      http_status: 200,
      result_code: 2001,
    })
  })

  it('a START the CDF refuses leaves no session', async () => {
    const kit = withCdf()
    kit.respond = () => new Response('down', { status: 503 })
    await post(kit, acr(2, { 'Acct-Interim-Interval': 600 }))
    expect(kit.vellum.timers.timers.size).toBe(0)
    await post(kit, acr(4))
    const trail = await cdrs(kit)
    expect(trail.map((c) => [c.record_type, (c.cdf as { status: string }).status])).toEqual([
      ['START', 'rejected'],
    ])
  })

  it('result 5002 on an INTERIM ends the session', async () => {
    const kit = withCdf()
    await post(kit, acr(2, { 'Acct-Interim-Interval': 600 }))
    kit.respond = () => Response.json({ 'Result-Code': 5002 })
    await post(kit, acr(3))
    expect(kit.vellum.timers.timers.size).toBe(0)
    kit.respond = () => Response.json({})
    await post(kit, acr(4))
    expect((await cdrs(kit)).map((c) => c.record_type)).toEqual(['START', 'INTERIM'])
  })

  it('an unreachable CDF is recorded on the CDR', async () => {
    const kit = withCdf()
    kit.respond = () => {
      throw new Error('ECONNREFUSED')
    }
    await post(kit, acr(1))
    expect((await cdrs(kit))[0]?.cdf).toEqual({ status: 'unreachable' })
  })
})

describe("Sprout's call records in the CDR queries", () => {
  const A = 'sip:6505550001@example.com'
  const B = 'sip:6505550002@example.com'
  const event = (type: number, role: number) => ({
    'Accounting-Record-Type': type,
    'Service-Information': {
      'IMS-Information': {
        'Role-Of-Node': role,
        'Node-Functionality': 0,
        'Calling-Party-Address': [A],
        'Called-Party-Address': B,
      },
    },
  })
  const side = (role: number) => ({
    role,
    functionality: 0,
    sessionId: `s${role}`,
    ccfs: ['cdf.example.com'],
    event: event(2, role),
  })

  it('lists a call item by Call-ID beside Ralf’s records, and under each served user', async () => {
    const kit = testDime()
    const t0 = kit.clock.now()
    const start = startItem(
      { callId: CALL, type: 2, atMs: t0, region: 'a', sides: [side(0), side(1)] },
      'n'
    )
    await kit.vellum.table.put(start)
    await kit.vellum.table.put(
      laterRecordItem(CALL, { type: 4, atMs: t0 + 5, events: { 0: event(4, 0), 1: event(4, 1) } })
    )
    // Another node's record of the same call, through Ralf's HTTP API.
    kit.clock.advance(2)
    await post(kit, acr(1))
    const all = await cdrs(kit)
    expect(all.map((c) => [c.role_of_node, c.record_type, c.accounting_record_number])).toEqual([
      [0, 'START', 1],
      [1, 'START', 1],
      [0, 'EVENT', 1],
      [0, 'STOP', 2],
      [1, 'STOP', 2],
    ])
    const callee = await cdrs(kit, `impu=${enc(B)}&from=0&to=${t0 + 10}`)
    expect(callee.map((c) => [c.role_of_node, c.record_type])).toEqual([
      [1, 'START'],
      [1, 'STOP'],
    ])
    const caller = await cdrs(kit, `impu=${enc(A)}&from=0&to=${t0 + 10}`)
    expect(caller.map((c) => [c.role_of_node, c.record_type])).toEqual([
      [0, 'START'],
      [0, 'EVENT'],
      [0, 'STOP'],
    ])
  })

  it('pages a call’s CDRs by Call-ID without losing or repeating a record split from its START', async () => {
    const kit = testDime()
    const t0 = kit.clock.now()
    const start = startItem(
      { callId: CALL, type: 2, atMs: t0, region: 'a', sides: [side(0), side(1)] },
      'n'
    )
    await kit.vellum.table.put(start)
    for (const n of [1, 2, 3])
      await kit.vellum.table.put(
        laterRecordItem(CALL, { type: 3, atMs: t0 + n, tag: `i${n}`, events: { 0: event(3, 0) } })
      )
    await kit.vellum.table.put(
      laterRecordItem(CALL, { type: 4, atMs: t0 + 9, events: { 0: event(4, 0), 1: event(4, 1) } })
    )
    const seen: Array<[unknown, unknown, unknown]> = []
    let cursor: string | undefined
    do {
      const res = (await (
        await kit.request(
          'GET',
          `/cdrs?call-id=${enc(CALL)}&limit=2${cursor ? `&cursor=${enc(cursor)}` : ''}`
        )
      ).json()) as { cdrs: Array<Record<string, unknown>>; cursor?: string }
      for (const c of res.cdrs)
        seen.push([c.role_of_node, c.record_type, c.accounting_record_number])
      cursor = res.cursor
    } while (cursor)
    expect(seen.filter((c) => c[0] === 0)).toEqual([
      [0, 'START', 1],
      [0, 'INTERIM', 2],
      [0, 'INTERIM', 3],
      [0, 'INTERIM', 4],
      [0, 'STOP', 5],
    ])
    expect(seen.filter((c) => c[0] === 1).map((c) => c[1])).toEqual([
      'START',
      'INTERIM',
      'INTERIM',
      'INTERIM',
      'STOP',
    ])
  })

  it('pages a user’s CDRs over both indexes with one cursor, and refuses a forged one', async () => {
    const kit = testDime()
    for (let n = 0; n < 3; n++) {
      await kit.vellum.table.put(
        startItem(
          {
            callId: `${n}-${CALL}`,
            type: 2,
            atMs: kit.clock.now(),
            region: 'a',
            sides: [side(0), side(1)],
          },
          'n'
        )
      )
      kit.clock.advance(1)
    }
    const page = async (q: string) =>
      (await (await kit.request('GET', `/cdrs?${q}`)).json()) as {
        cdrs: Array<{ call_id: string }>
        cursor?: string
      }
    const first = await page(`impu=${enc(B)}&from=0&limit=2`)
    expect(first.cdrs).toHaveLength(2)
    expect(first.cursor).toBeDefined()
    const second = await page(`impu=${enc(B)}&from=0&limit=2&cursor=${enc(first.cursor!)}`)
    expect([...first.cdrs, ...second.cdrs].map((c) => c.call_id)).toEqual([
      `0-${CALL}`,
      `1-${CALL}`,
      `2-${CALL}`,
    ])
    const forged = await kit.request('GET', `/cdrs?impu=${enc(B)}&from=0&cursor=nope`)
    expect(forged.status).toBe(400)
  })
})
