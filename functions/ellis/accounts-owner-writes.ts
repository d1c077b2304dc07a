/**
 * @module ellis/accounts-owner-writes
 * Changes to an existing account (a new password, a rehash, ending every session) run where its
 * creation and deletion run: in the region that owns the account's e-mail shard, as a
 * transaction fenced by the shard's owner record (architecture §5, docs/geo-redundancy.md
 * "Ellis: accounts"). The global table replicates item by item, last writer wins, and checks a
 * condition on the local replica only, so an update made in the other region while a deletion
 * is still on its way there (or behind a partition) would pass its `ifExists` there, replicate
 * as the later write and bring the deleted account back in both regions. In the owner region the
 * condition is checked against the replica every write of the account goes to, so an update
 * after a deletion fails there and nothing comes back.
 */
import { ConditionFailed, keys, type TransactOp } from '../../shared/vellum'
import type { UpdateChanges } from '../../shared/vellum/global-table'
import type { ShardRecord } from './ellis-deps'
import type { ShardDirectory } from './shard-directory'

/** The update of an existing account: refused when it does not exist (here). */
export function accountUpdateOp(email: string, changes: UpdateChanges): TransactOp {
  return { update: keys.accountKey(email), changes, condition: { ifExists: true } }
}

/**
 * Applies `changes` to the account in this region, which holds `rec` (the account's e-mail
 * shard). False when the account does not exist; a lost fence is `FenceLost`, which
 * `asShardOwner` answers by routing again.
 */
export async function updateOwnedAccount(
  shards: ShardDirectory,
  rec: ShardRecord,
  email: string,
  changes: UpdateChanges
): Promise<boolean> {
  try {
    await shards.transact(rec, [accountUpdateOp(email, changes)])
    return true
  } catch (err) {
    if (err instanceof ConditionFailed && err.details.index === 0) return false
    throw err
  }
}

/** The changes of a new password; with `endSessions`, every existing session cookie stops working. */
export function passwordChanges(hash: string, endSessions: boolean): UpdateChanges {
  return { set: { password_hash: hash }, ...(endSessions ? { add: { session_version: 1 } } : {}) }
}

/** The change that ends every session of the account (logout everywhere). */
export const endSessionsChanges: UpdateChanges = { add: { session_version: 1 } }
