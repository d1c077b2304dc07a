/**
 * The GlobalTable contract: one suite, run against the in-memory adapter (unit) and the
 * DynamoDB adapter on DynamoDB Local (integration). `make` returns a table and the clock it
 * reads, which the suite moves to test TTL; every test works under its own key prefix.
 */
import { describe, expect, it } from 'vitest'
import { ConditionFailed, type GlobalTable, type Item, StoreError } from '../../shared/vellum'

export interface TableHarness {
  table: GlobalTable
  /** Moves the adapter's clock forward. */
  advance(ms: number): void
  now(): number
}

let run = 0
const prefix = () =>
  `ct${Date.now().toString(36)}${(run++).toString(36)}${Math.random().toString(36).slice(2, 6)}`

export function runGlobalTableContract(
  name: string,
  make: () => TableHarness | Promise<TableHarness>
) {
  describe(`GlobalTable contract: ${name}`, () => {
    it('puts, gets and deletes plain JSON items, stamping a version per write', async () => {
      const { table } = await make()
      const p = prefix()
      const item: Item = {
        pk: `${p}#A`,
        sk: 'X',
        name: 'alice',
        n: 3,
        ok: true,
        nil: null,
        list: [1, 'two', { three: 3 }],
        map: { a: { b: 'c' } },
        empty: '',
      }
      const stored = await table.put(item)
      expect(typeof stored.version).toBe('number')
      const got = await table.get({ pk: `${p}#A`, sk: 'X' })
      expect(got).toEqual({ ...item, version: stored.version })
      const again = await table.put({ ...item, n: 4 })
      expect(again.version).not.toBe(stored.version)
      expect(again.version as number).toBeGreaterThan(stored.version as number)
      const deleted = await table.delete({ pk: `${p}#A`, sk: 'X' })
      expect(deleted?.n).toBe(4)
      expect(await table.get({ pk: `${p}#A`, sk: 'X' })).toBeUndefined()
      expect(await table.delete({ pk: `${p}#A`, sk: 'X' })).toBeUndefined()
    })

    it('put replaces the whole item (attributes not given are gone)', async () => {
      const { table } = await make()
      const k = { pk: `${prefix()}#R`, sk: 'S' }
      await table.put({ ...k, a: 1, b: 2 })
      await table.put({ ...k, a: 5 })
      const got = await table.get(k)
      expect(got?.a).toBe(5)
      expect(got).not.toHaveProperty('b')
    })

    it('ifNotExists makes a key unique and reports the current item', async () => {
      const { table } = await make()
      const k = { pk: `${prefix()}#U`, sk: 'ACCOUNT' }
      await table.put({ ...k, owner: 'first' }, { condition: { ifNotExists: true } })
      const err = await table
        .put({ ...k, owner: 'second' }, { condition: { ifNotExists: true } })
        .catch((e: unknown) => e)
      expect(err).toBeInstanceOf(ConditionFailed)
      expect(err).toBeInstanceOf(StoreError)
      expect((err as ConditionFailed).details.current?.owner).toBe('first')
      expect((await table.get(k))?.owner).toBe('first')
    })

    it('ifVersion is optimistic concurrency: a stale version loses', async () => {
      const { table } = await make()
      const k = { pk: `${prefix()}#V`, sk: 'S' }
      const v1 = await table.put({ ...k, count: 1 })
      const v2 = await table.put(
        { ...k, count: 2 },
        { condition: { ifVersion: v1.version as number } }
      )
      await expect(
        table.put({ ...k, count: 3 }, { condition: { ifVersion: v1.version as number } })
      ).rejects.toBeInstanceOf(ConditionFailed)
      await expect(
        table.delete(k, { condition: { ifVersion: v1.version as number } })
      ).rejects.toBeInstanceOf(ConditionFailed)
      const v3 = await table.update(
        k,
        { add: { count: 10 } },
        { condition: { ifVersion: v2.version as number } }
      )
      expect(v3.count).toBe(12)
      await expect(
        table.delete(k, { condition: { ifVersion: v2.version as number } })
      ).rejects.toBeInstanceOf(ConditionFailed)
      expect(
        (await table.delete(k, { condition: { ifVersion: v3.version as number } }))?.count
      ).toBe(12)
    })

    it('race: two concurrent writers with the same version, exactly one wins', async () => {
      const { table } = await make()
      const k = { pk: `${prefix()}#RACE`, sk: 'S' }
      const base = await table.put({ ...k, owner: 'none' })
      const results = await Promise.allSettled(
        ['a', 'b', 'c', 'd'].map((who) =>
          table.update(
            k,
            { set: { owner: who } },
            { condition: { ifVersion: base.version as number } }
          )
        )
      )
      const won = results.filter((r) => r.status === 'fulfilled')
      const lost = results.filter((r) => r.status === 'rejected')
      expect(won).toHaveLength(1)
      expect(lost).toHaveLength(3)
      for (const l of lost)
        expect((l as PromiseRejectedResult).reason).toBeInstanceOf(ConditionFailed)
      const winner = (won[0] as PromiseFulfilledResult<Item>).value.owner
      expect((await table.get(k, { consistent: true }))?.owner).toBe(winner)
    })

    it('update sets, removes and adds; creates unless ifExists; refuses key attributes', async () => {
      const { table } = await make()
      const k = { pk: `${prefix()}#UP`, sk: 'S' }
      await expect(
        table.update(k, { set: { a: 1 } }, { condition: { ifExists: true } })
      ).rejects.toBeInstanceOf(ConditionFailed)
      const created = await table.update(k, {
        set: { a: 1, b: 'x', skip: undefined },
        add: { hits: 1 },
      })
      expect(created).toMatchObject({ pk: k.pk, sk: k.sk, a: 1, b: 'x', hits: 1 })
      expect(created).not.toHaveProperty('skip')
      const changed = await table.update(
        k,
        { set: { a: 2 }, remove: ['b'], add: { hits: 2 } },
        { condition: { ifExists: true } }
      )
      expect(changed).toMatchObject({ a: 2, hits: 3 })
      expect(changed).not.toHaveProperty('b')
      await expect(table.update(k, { set: { pk: 'other' } })).rejects.toBeInstanceOf(StoreError)
    })

    it('honours TTL on reads, and an expired item counts as absent for conditions', async () => {
      const h = await make()
      const { table } = h
      const k = { pk: `${prefix()}#TTL`, sk: 'CHALLENGE' }
      const ttl = Math.floor(h.now() / 1000) + 5
      await table.put({ ...k, nonce: 'n1', ttl }, { condition: { ifNotExists: true } })
      expect((await table.get(k))?.nonce).toBe('n1')
      expect((await table.query({ pk: k.pk })).items).toHaveLength(1)
      h.advance(6_000)
      expect(await table.get(k)).toBeUndefined()
      expect((await table.query({ pk: k.pk })).items).toHaveLength(0)
      await expect(
        table.update(k, { set: { x: 1 } }, { condition: { ifExists: true } })
      ).rejects.toBeInstanceOf(ConditionFailed)
      // Expired: a unique write succeeds again, and an update starts from a fresh item.
      await table.put({ ...k, nonce: 'n2' }, { condition: { ifNotExists: true } })
      expect((await table.get(k))?.nonce).toBe('n2')
      const k2 = { pk: k.pk, sk: 'OLD' }
      await table.put({ ...k2, stale: 'yes', ttl: Math.floor(h.now() / 1000) + 1 })
      h.advance(2_000)
      const fresh = await table.update(k2, { set: { fresh: 'yes' } })
      expect(fresh.fresh).toBe('yes')
      expect(fresh).not.toHaveProperty('stale')
      expect(await table.get(k2)).toMatchObject({ fresh: 'yes' })
    })

    it('queries a partition by sk prefix, range and order, paginating with a cursor', async () => {
      const { table } = await make()
      const pk = `${prefix()}#Q`
      for (let i = 0; i < 7; i++) await table.put({ pk, sk: `NUMBER#${i}`, i })
      await table.put({ pk, sk: 'ACCOUNT', i: -1 })
      const all: Item[] = []
      let cursor: string | undefined
      let pages = 0
      do {
        const page = await table.query({
          pk,
          sk: { prefix: 'NUMBER#' },
          limit: 3,
          ...(cursor ? { cursor } : {}),
        })
        all.push(...page.items)
        cursor = page.cursor
        pages++
      } while (cursor && pages < 10)
      expect(all.map((x) => x.i)).toEqual([0, 1, 2, 3, 4, 5, 6])
      expect(pages).toBeGreaterThanOrEqual(3)
      const between = await table.query({ pk, sk: { between: ['NUMBER#2', 'NUMBER#4'] } })
      expect(between.items.map((x) => x.i)).toEqual([2, 3, 4])
      const rev = await table.query({ pk, sk: { prefix: 'NUMBER#' }, reverse: true, limit: 2 })
      expect(rev.items.map((x) => x.i)).toEqual([6, 5])
      const gte = await table.query({ pk, sk: { gte: 'NUMBER#5' } })
      expect(gte.items.map((x) => x.i)).toEqual([5, 6])
      const eq = await table.query({ pk, sk: { eq: 'ACCOUNT' } })
      expect(eq.items.map((x) => x.i)).toEqual([-1])
      expect((await table.query({ pk: `${pk}-nothing` })).items).toEqual([])
    })

    it('queries gsi1 and gsi2', async () => {
      const { table } = await make()
      const p = prefix()
      const irs = `${p}-irs`
      for (const impu of ['sip:b@x', 'sip:a@x', 'tel:+1']) {
        await table.put({
          pk: `IMPU#${p}${impu}`,
          sk: 'IMPU',
          impu,
          gsi1pk: `IRS#${irs}`,
          gsi1sk: `IMPU#${impu}`,
          gsi2pk: `SP#${p}`,
          gsi2sk: impu,
        })
      }
      await table.put({
        pk: `IMPI#${p}`,
        sk: `IRS#${irs}`,
        gsi1pk: `IRS#${irs}`,
        gsi1sk: `IMPI#${p}`,
      })
      const pub = await table.query({ index: 'gsi1', pk: `IRS#${irs}`, sk: { prefix: 'IMPU#' } })
      expect(pub.items.map((x) => x.impu)).toEqual(['sip:a@x', 'sip:b@x', 'tel:+1'])
      const priv = await table.query({ index: 'gsi1', pk: `IRS#${irs}`, sk: { prefix: 'IMPI#' } })
      expect(priv.items.map((x) => x.pk)).toEqual([`IMPI#${p}`])
      const paged = await table.query({ index: 'gsi2', pk: `SP#${p}`, limit: 2 })
      expect(paged.items).toHaveLength(2)
      expect(paged.cursor).toBeDefined()
      const rest = await table.query({
        index: 'gsi2',
        pk: `SP#${p}`,
        limit: 2,
        cursor: paged.cursor!,
      })
      expect([...paged.items, ...rest.items].map((x) => x.gsi2sk)).toEqual([
        'sip:a@x',
        'sip:b@x',
        'tel:+1',
      ])
    })

    it('transactions are all-or-nothing and name the failing operation', async () => {
      const { table } = await make()
      const p = prefix()
      const acct = { pk: `${p}#ACCOUNT`, sk: 'ACCOUNT' }
      const num = { pk: `${p}#NUMBER`, sk: 'NUMBER' }
      const shard = await table.put({ pk: `${p}#SHARD`, sk: '001', owner: 'a', epoch: 1 })
      await table.transact([
        { put: { ...acct, email: 'x@y' }, condition: { ifNotExists: true } },
        { update: num, changes: { set: { owner: 'x@y' } } },
        {
          conditionCheck: { pk: shard.pk, sk: shard.sk },
          condition: { ifVersion: shard.version as number },
        },
      ])
      expect((await table.get(acct))?.email).toBe('x@y')
      expect((await table.get(num))?.owner).toBe('x@y')
      const err = await table
        .transact([
          { update: num, changes: { set: { owner: 'other' } } },
          { put: { ...acct, email: 'again' }, condition: { ifNotExists: true } },
        ])
        .catch((e: unknown) => e)
      expect(err).toBeInstanceOf(ConditionFailed)
      expect((err as ConditionFailed).details.index).toBe(1)
      expect((await table.get(num))?.owner).toBe('x@y')
      await table.transact([{ delete: acct, condition: { ifExists: true } }, { delete: num }])
      expect(await table.get(acct)).toBeUndefined()
      expect(await table.get(num)).toBeUndefined()
      await expect(
        table.transact([{ delete: acct }, { put: { ...acct, x: 1 } }])
      ).rejects.toBeInstanceOf(StoreError)
    })
  })
}
