/**
 * @module dime/ralf/cdr-store
 * Charging Data Records in the global table: one item per accounting record Ralf handles (where
 * Clearwater's Ralf would send a Diameter ACR), in the call's partition (`CDR#<call id>`),
 * listed per served user on gsi2 — the calling party for an originating node, the called party
 * for a terminating one (TS 32.260 role of node). No index lists CDRs by day (docs/dime.md "Ralf":
 * a day's CDRs for billing come from a table export, at no write cost per record).
 * A session's record (START, INTERIM, STOP) is keyed by what identifies it in Diameter
 * accounting (RFC 6733 §9.8.3: Session-Id and Accounting-Record-Number), with the role, the
 * node functionality and whether the interim timer produced it: a record written twice (a timer
 * pop delivered in both regions) is one item, both regions' writes converging on it under last
 * writer wins. An EVENT is keyed by time and a nonce (each is a record of its own).
 * The queries also read Sprout's call records (shared/ralf/call-record.ts): a START item per
 * call with both sides, listed per served user on gsi2 and gsi1, and an item per later record
 * (INTERIM, STOP) beside it in the call's partition, which the per-user query reads there.
 */
import {
  cdrsOfCallItems,
  cdrUserPk,
  isCallRecord,
  LATER_RECORDS_PREFIX,
} from '../../../shared/ralf/call-record'
import type { Cdr } from '../../../shared/ralf/cdr'
import { StoreError } from '../../../shared/vellum/errors'
import type {
  AttrValue,
  GlobalTable,
  Item,
  QueryPage,
  TableKey,
} from '../../../shared/vellum/global-table'
import { cdrKey } from '../../../shared/vellum/keys'
import { cdrItemKey, cdrTimeSk, cdrUserIndex, cdrUserIndexPk } from '../dime-keys'

export type { CdfStatus, Cdr } from '../../../shared/ralf/cdr'
export { normaliseParty, servedUser } from '../../../shared/ralf/cdr'

const CDR_FIELDS = [
  'call_id',
  'recorded_at',
  'recorded_at_iso',
  'record_type',
  'accounting_record_type',
  'accounting_record_number',
  'role_of_node',
  'node_functionality',
  'session_id',
  'served_user',
  'calling_party',
  'called_party',
  'ccfs',
  'timer_interim',
  'region',
  'cdf',
  'acr',
] as const

function toCdr(it: Item): Cdr {
  const out: Record<string, unknown> = {}
  for (const f of CDR_FIELDS) out[f] = it[f]
  return out as unknown as Cdr
}

const nonce = () => {
  const b = crypto.getRandomValues(new Uint8Array(4))
  return [...b].map((x) => x.toString(16).padStart(2, '0')).join('')
}

/**
 * The item key of one CDR (module header): a session's record by Session-Id, role, node
 * functionality, Accounting-Record-Number and origin (`t` for the interim timer, `s` for an ACR
 * Sprout sent); an EVENT by time and a nonce.
 */
export function cdrRecordKey(cdr: Cdr): TableKey {
  if (cdr.record_type === 'EVENT')
    return cdrItemKey(
      cdr.call_id,
      cdr.recorded_at,
      cdr.accounting_record_number,
      cdr.role_of_node,
      cdr.node_functionality,
      nonce()
    )
  const origin = cdr.timer_interim ? 't' : 's'
  return {
    pk: cdrKey(cdr.call_id, 0, 0).pk,
    sk: `ARN#${cdr.role_of_node}-${cdr.node_functionality}#${cdr.session_id}#${String(cdr.accounting_record_number).padStart(6, '0')}#${origin}`,
  }
}

export interface CdrPage {
  cdrs: Cdr[]
  cursor?: string
}

export class CdrStore {
  constructor(private readonly table: GlobalTable) {}

  async write(cdr: Cdr): Promise<void> {
    const item: Item = {
      ...cdrRecordKey(cdr),
      ...(cdr.served_user ? cdrUserIndex(cdr.served_user, cdr.recorded_at, cdr.call_id) : {}),
      ...(cdr as unknown as Record<string, AttrValue>),
    }
    await this.table.put(item)
  }

  /**
   * Every CDR of a call, in time order: Ralf's items, and the records of Sprout's call items
   * (`limit` counts items, so a page may hold more CDRs than that). A call record's START on a
   * page that is not the last is read with all its later records, which later pages then skip.
   */
  async byCallId(callId: string, limit = 100, cursor?: string): Promise<CdrPage> {
    const pk = cdrKey(callId, 0, 0).pk
    const page = await this.table.query({
      pk,
      limit,
      consistent: true,
      ...(cursor ? { cursor } : {}),
    })
    const items = page.cursor ? await this.withLaterRecords(page.items, true) : page.items
    return {
      cdrs: inTimeOrder(cdrsOfItems(items)),
      ...(page.cursor ? { cursor: page.cursor } : {}),
    }
  }

  /** The items, and the INTERIM and STOP items of each call record's START among them. */
  private async withLaterRecords(items: Item[], consistent: boolean): Promise<Item[]> {
    const starts = items.filter((it) => isCallRecord(it) && it.sk === 'CALL')
    const later: Item[] = []
    for (let i = 0; i < starts.length; i += LATER_READS_AT_ONCE) {
      const batch = starts.slice(i, i + LATER_READS_AT_ONCE)
      for (const found of await Promise.all(batch.map((s) => this.laterOf(s.pk, consistent))))
        later.push(...found)
    }
    return [...items.filter((it) => !isLater(it)), ...later]
  }

  private async laterOf(pk: string, consistent: boolean): Promise<Item[]> {
    const out: Item[] = []
    let from: string | undefined
    do {
      const page = await this.table.query({
        pk,
        sk: { prefix: LATER_RECORDS_PREFIX },
        consistent,
        ...(from ? { cursor: from } : {}),
      })
      out.push(...page.items)
      from = page.cursor
    } while (from)
    return out
  }

  /**
   * A served user's CDRs recorded in [fromMs, toMs], in time order. Ralf's items are found on
   * gsi2 by their own time; Sprout's call items on gsi2 (first side) or gsi1 (second side) by
   * the call's start time, so a call is listed when it started in the window. The cursor covers
   * both indexes.
   */
  async byUser(
    user: string,
    fromMs: number,
    toMs: number,
    limit = 100,
    cursor?: string
  ): Promise<CdrPage> {
    const at = cursor ? parseUserCursor(cursor) : { g2: undefined, g1: undefined }
    // `$` sorts after the `#` that follows the time: the whole `toMs` millisecond is included.
    const sk = { between: [cdrTimeSk(fromMs), `${cdrTimeSk(toMs)}$`] as [string, string] }
    const query = (
      index: 'gsi1' | 'gsi2',
      pk: string,
      from: string | null | undefined
    ): Promise<QueryPage> =>
      from === null
        ? Promise.resolve({ items: [] })
        : this.table.query({ pk, index, sk, limit, ...(from ? { cursor: from } : {}) })
    const [two, one] = await Promise.all([
      query('gsi2', cdrUserIndexPk(user), at.g2),
      query('gsi1', cdrUserPk(user), at.g1),
    ])
    const items = await this.withLaterRecords([...two.items, ...one.items], false)
    const cdrs = inTimeOrder(cdrsOfItems(items)).filter(
      (c) => c.served_user === user && c.recorded_at >= fromMs && c.recorded_at <= toMs
    )
    const next = { g2: two.cursor ?? null, g1: one.cursor ?? null }
    return {
      cdrs,
      ...(next.g2 !== null || next.g1 !== null ? { cursor: userCursor(next) } : {}),
    }
  }
}

/** Call records' INTERIM and STOP items are read with their START, never alone. */
const isLater = (it: Item): boolean => it.sk.startsWith(LATER_RECORDS_PREFIX)

/** How many calls' later records the per-user query reads at once. */
const LATER_READS_AT_ONCE = 8

/** The CDRs items hold: one per Ralf item, every record of a call for Sprout's. */
const cdrsOfItems = (items: Item[]): Cdr[] => [
  ...items.filter((it) => !isCallRecord(it) && !isLater(it)).map(toCdr),
  ...cdrsOfCallItems(items),
]

const inTimeOrder = (cdrs: Cdr[]): Cdr[] =>
  cdrs
    .map((c, n) => ({ c, n }))
    .sort((x, y) => x.c.recorded_at - y.c.recorded_at || x.n - y.n)
    .map((x) => x.c)

interface UserCursor {
  /** Where each index's next page starts; null once it is exhausted. */
  g2: string | null | undefined
  g1: string | null | undefined
}

const userCursor = (c: UserCursor): string => btoa(JSON.stringify(c))

/** A cursor this query issued; anything else is the caller's mistake (the route answers 400). */
function parseUserCursor(text: string): UserCursor {
  try {
    const c = JSON.parse(atob(text)) as Record<string, unknown>
    const ok = (v: unknown) => v === null || typeof v === 'string'
    if (c && ok(c.g2) && ok(c.g1)) return { g2: c.g2 as string | null, g1: c.g1 as string | null }
  } catch {
    // fall through
  }
  throw new StoreError('cursor: not one a previous page of this query gave', 'table')
}
