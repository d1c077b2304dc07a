/**
 * @module ellis/accounts-store
 * Accounts and what hangs off them in the global table (keys in shared/vellum/keys.ts): the
 * account `ACCOUNT#<email>/ACCOUNT` `{full_name, password_hash, session_version, expires_ms?}`,
 * its recovery token `…/RECOVERY` (a SHA-256 of the token, with a 24 h `ttl`), and the numbers
 * it owns `…/NUMBER#<sip uri>` `{number_id, pstn, gab_listed, private_id, full_name}`; listed
 * numbers also sit in gsi1 `GAB`, ordered by full name, which is the global address book.
 * E-mail addresses are compared lower-cased.
 */
import { type GlobalTable, type Item, keys, type TransactOp, ttlFromNow } from '../../shared/vellum'

export interface Account {
  email: string
  fullName: string
  passwordHash: string
  sessionVersion: number
  createdMs: number
  expiresMs: number | undefined
}

export interface AccountNumber {
  sipUri: string
  numberId: string
  pstn: boolean
  gabListed: boolean
  privateId: string | undefined
  /** Set while the number is being provisioned (when it was taken from the pool). */
  pendingMs: number | undefined
}

export const normalEmail = (e: string) => e.trim().toLowerCase()

function toAccount(it: Item): Account {
  return {
    email: String(it.email),
    fullName: String(it.full_name ?? ''),
    passwordHash: String(it.password_hash ?? ''),
    sessionVersion: typeof it.session_version === 'number' ? it.session_version : 0,
    createdMs: typeof it.created_ms === 'number' ? it.created_ms : 0,
    expiresMs: typeof it.expires_ms === 'number' ? it.expires_ms : undefined,
  }
}

export function toAccountNumber(it: Item): AccountNumber {
  return {
    sipUri: String(it.sip_uri),
    numberId: String(it.number_id),
    pstn: it.pstn === true,
    gabListed: it.gab_listed === 1,
    privateId: typeof it.private_id === 'string' ? it.private_id : undefined,
    pendingMs: typeof it.pending_ms === 'number' ? it.pending_ms : undefined,
  }
}

export async function getAccount(table: GlobalTable, email: string): Promise<Account | undefined> {
  const it = await table.get(keys.accountKey(email), { consistent: true })
  return it ? toAccount(it) : undefined
}

/** The put that creates an account; unique by e-mail (conditional). */
export function createAccountOp(a: Omit<Account, 'sessionVersion'>): TransactOp {
  return {
    put: {
      ...keys.accountKey(a.email),
      email: normalEmail(a.email),
      full_name: a.fullName,
      password_hash: a.passwordHash,
      // Starts at the creation time, so cookies of an earlier account of this address never match.
      session_version: a.createdMs,
      created_ms: a.createdMs,
      ...(a.expiresMs !== undefined ? { expires_ms: a.expiresMs } : {}),
    },
    condition: { ifNotExists: true },
  }
}

export function deleteAccountOps(email: string): TransactOp[] {
  return [{ delete: keys.accountKey(email) }, { delete: keys.recoveryTokenKey(email) }]
}

export async function putRecoveryToken(
  table: GlobalTable,
  email: string,
  tokenHash: string,
  nowMs: number,
  lifetimeS: number
): Promise<void> {
  await table.put({
    ...keys.recoveryTokenKey(email),
    token_hash: tokenHash,
    issued_ms: nowMs,
    ttl: ttlFromNow(nowMs, lifetimeS),
  })
}

export async function getRecoveryTokenHash(
  table: GlobalTable,
  email: string
): Promise<string | undefined> {
  const it = await table.get(keys.recoveryTokenKey(email), { consistent: true })
  return typeof it?.token_hash === 'string' ? it.token_hash : undefined
}

export async function deleteRecoveryToken(table: GlobalTable, email: string): Promise<void> {
  await table.delete(keys.recoveryTokenKey(email))
}

export async function listAccountNumbers(
  table: GlobalTable,
  email: string
): Promise<AccountNumber[]> {
  const out: AccountNumber[] = []
  let cursor: string | undefined
  do {
    const page = await table.query({
      pk: keys.accountKey(email).pk,
      sk: { prefix: keys.ACCOUNT_NUMBER_PREFIX },
      consistent: true,
      ...(cursor ? { cursor } : {}),
    })
    out.push(...page.items.map(toAccountNumber))
    cursor = page.cursor
  } while (cursor)
  return out
}

export async function getAccountNumber(
  table: GlobalTable,
  email: string,
  sipUri: string
): Promise<AccountNumber | undefined> {
  const it = await table.get(keys.accountNumberKey(email, sipUri), { consistent: true })
  return it ? toAccountNumber(it) : undefined
}

export async function setNumberPrivateId(
  table: GlobalTable,
  email: string,
  sipUri: string,
  privateId: string
): Promise<void> {
  await table.update(
    keys.accountNumberKey(email, sipUri),
    { set: { private_id: privateId }, remove: ['pending_ms'] },
    { condition: { ifExists: true } }
  )
}

/** Lists or unlists a number in the global address book. */
export async function setGabListed(
  table: GlobalTable,
  account: Pick<Account, 'email' | 'fullName'>,
  sipUri: string,
  listed: boolean
): Promise<void> {
  await table.update(
    keys.accountNumberKey(account.email, sipUri),
    listed
      ? { set: { gab_listed: 1, ...keys.gabIndex(account.fullName, account.email) } }
      : { set: { gab_listed: 0 }, remove: ['gsi1pk', 'gsi1sk'] },
    { condition: { ifExists: true } }
  )
}

export interface GabContact {
  email: string
  full_name: string
  numbers: string[]
}

/** The global address book: listed numbers grouped by account, ordered by full name. */
export async function globalAddressBook(table: GlobalTable): Promise<GabContact[]> {
  const contacts: GabContact[] = []
  const byEmail = new Map<string, GabContact>()
  let cursor: string | undefined
  do {
    const page = await table.query({ index: 'gsi1', pk: 'GAB', ...(cursor ? { cursor } : {}) })
    for (const it of page.items) {
      if (it.gab_listed !== 1 || it.pending_ms !== undefined) continue
      const email = String(it.email)
      let c = byEmail.get(email)
      if (!c) {
        c = { email, full_name: String(it.full_name ?? ''), numbers: [] }
        byEmail.set(email, c)
        contacts.push(c)
      }
      c.numbers.push(String(it.sip_uri))
    }
    cursor = page.cursor
  } while (cursor)
  return contacts
}
