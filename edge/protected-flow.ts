/**
 * @module edge/protected-flow
 * The P-CSCF's half of re-registration without a fresh challenge (TS 24.229 §5.2.2.1 and
 * §5.4.1.2.2; clearwater-interfaces §5.2, §6: Sprout skips authentication for
 * `integrity-protected="tls-yes"`). The edge alone says whether a REGISTER travelled over an
 * integrity-protected flow:
 * - a flow is **protected** when its WebSocket came over TLS (`wss:`, which reaches the worker as
 *   an `https:` URL). The local cloud has no TLS: with `EDGE_LOOPBACK_TLS=1`, accepted only with
 *   `EDGEWATER_ENV=local`, a connection whose URL carries `?tls=loopback` counts as TLS, for tests;
 * - `integrity-protected` is the edge's to set: it is removed from every `Authorization` a client
 *   sends (TS 24.229 §5.2.2.1: the P-CSCF sets it);
 * - a REGISTER over a protected flow that a REGISTER 200 has authenticated, for one of the flow's
 *   identities (P-Associated-URI) and for the IMPI that 200 authenticated (its `Authorization`
 *   username, or none), gets `integrity-protected="tls-yes"`; without `Authorization`, one is
 *   made with that IMPI (as Clearwater's Bono does for `ip-assoc-yes`). Anything else (an
 *   initial registration, another IMPI, another identity, a plain `ws:` flow) gets nothing and
 *   is challenged as usual.
 * Sprout checks again that the AoR holds a live binding of that IMPI over this very flow
 * (functions/sprout/registrar/protected-register.ts). The IMPI a 200 authenticated is the
 * username of the REGISTER that carried the edge branch the 200 answers.
 */
import { z } from 'zod'
import { type AuthValue, authParam, isDigest } from '../shared/sip/auth-header'
import { eqIgnoreCase } from '../shared/sip/chars'
import type { SipRequest } from '../shared/sip/message'
import type { EdgeEnv } from './env'
import type { FlowIo } from './flow-io'
import { type FlowState, isAuthenticated, MAX_PENDING_REGISTERS } from './flow-state'
import { identityKey } from './trust-boundary'

/** From the edge worker to the flow object on upgrade: `1` when the connection is protected. */
export const PROTECTED_FLOW_HEADER = 'x-edgewater-protected-flow'
/** The query parameter (`?tls=loopback`) that marks a local-cloud connection as TLS. */
export const LOOPBACK_TLS_PARAM = 'tls'
export const LOOPBACK_TLS_VALUE = 'loopback'
const INTEGRITY = 'integrity-protected'

/** What the flow's attachment holds for this (kept small: the attachment limit is 2 KiB). */
export interface ProtectedFlowFields {
  /** The WebSocket came over TLS. */
  tls?: true
  /** The IMPI the flow's last REGISTER 2xx authenticated. */
  authImpi?: string
  /** Username of each REGISTER awaiting its final response, by the edge's Via branch. */
  registerImpis?: Array<[branch: string, impi: string]>
}

type ProtectedState = FlowState & ProtectedFlowFields

const loopbackSchema = z.object({
  EDGE_LOOPBACK_TLS: z.enum(['0', '1']).optional(),
  EDGEWATER_ENV: z.string().optional(),
})

/**
 * Whether loopback connections may claim TLS with `?tls=loopback`: `EDGE_LOOPBACK_TLS=1` in the
 * local cloud only (throws, refusing the connection, anywhere else).
 */
export function loopbackTlsAllowed(env: Pick<EdgeEnv, 'EDGE_LOOPBACK_TLS' | 'EDGEWATER_ENV'>) {
  const e = loopbackSchema.parse(env)
  if (e.EDGE_LOOPBACK_TLS !== '1') return false
  if (e.EDGEWATER_ENV !== 'local')
    throw new Error('EDGE_LOOPBACK_TLS=1 is for the local cloud only (EDGEWATER_ENV=local)')
  return true
}

/** Whether the connection asking to upgrade at `url` is integrity-protected (TLS). */
export function connectionProtected(
  env: Pick<EdgeEnv, 'EDGE_LOOPBACK_TLS' | 'EDGEWATER_ENV'>,
  url: URL
): boolean {
  if (url.protocol === 'https:' || url.protocol === 'wss:') return true
  return url.searchParams.get(LOOPBACK_TLS_PARAM) === LOOPBACK_TLS_VALUE && loopbackTlsAllowed(env)
}

/** Notes on a new flow's state what the worker said of its connection. */
export function markProtectedFlow(state: FlowState, header: string | null): void {
  if (header === '1') (state as ProtectedState).tls = true
}

/**
 * Whether this REGISTER re-registers without a challenge (see the module comment). `username`:
 * that of its digest credentials (null: credentials without one), undefined without any.
 */
function eligibleFor(io: FlowIo, req: SipRequest, username: string | null | undefined): boolean {
  const s = io.state as ProtectedState
  const to = identityKey(req.to.uri)?.toLowerCase()
  return (
    s.tls === true &&
    s.authImpi !== undefined &&
    isAuthenticated(s, io.now()) &&
    to !== undefined &&
    s.identities.some((i) => i.toLowerCase() === to) &&
    (username === undefined || username === s.authImpi)
  )
}

/**
 * Whether the edge will mark this REGISTER from the client `integrity-protected="tls-yes"`
 * ({@link markRegister}), so that Sprout accepts it without a challenge: the edge then never
 * challenges it itself (edge/register-challenge.ts).
 */
export function reRegistersProtected(io: FlowIo, req: SipRequest): boolean {
  const digest = req.getAll('authorization').find(isDigest)
  return eligibleFor(
    io,
    req,
    digest === undefined ? undefined : (authParam(digest, 'username') ?? null)
  )
}

/** The value without `integrity-protected` (the same object when it has none). */
function withoutIntegrity(a: AuthValue): AuthValue {
  if (!a.params.some((p) => eqIgnoreCase(p.name, INTEGRITY))) return a
  return { ...a, params: a.params.filter((p) => !eqIgnoreCase(p.name, INTEGRITY)) }
}

/**
 * A REGISTER from the client, about to leave with the edge's Via branch `branch`: strips any
 * `integrity-protected`, adds `tls-yes` when the flow may re-register without a challenge, and
 * remembers the REGISTER's IMPI for its 2xx.
 */
export function markRegister(io: FlowIo, req: SipRequest, branch: string): void {
  const s = io.state as ProtectedState
  const given = req.getAll('authorization')
  const stripped = given.map(withoutIntegrity)
  let values = stripped
  const digest = stripped.find(isDigest)
  const username = digest ? authParam(digest, 'username') : undefined
  const eligible = eligibleFor(io, req, digest === undefined ? undefined : (username ?? null))
  if (eligible) {
    const base: AuthValue = digest ?? {
      scheme: 'Digest',
      token68: null,
      params: [
        { name: 'username', value: JSON.stringify(s.authImpi) },
        { name: 'realm', value: JSON.stringify(io.cfg.homeDomain) },
        { name: 'nonce', value: '""' },
        { name: 'uri', value: JSON.stringify(`sip:${io.cfg.homeDomain}`) },
        { name: 'response', value: '""' },
      ],
    }
    const marked = { ...base, params: [...base.params, { name: INTEGRITY, value: '"tls-yes"' }] }
    values = digest ? stripped.map((v) => (v === digest ? marked : v)) : [...stripped, marked]
  }
  if (values.some((v, i) => v !== given[i]) || values.length !== given.length) {
    if (values.length > 0) req.set('authorization', values)
    else req.remove('authorization')
  }
  const impi = eligible ? s.authImpi : username
  if (impi === undefined) return
  s.registerImpis = [...(s.registerImpis ?? []), [branch, impi]].slice(-MAX_PENDING_REGISTERS) as
    | ProtectedFlowFields['registerImpis']
    | undefined
}

/** A 2xx answered the REGISTER with the edge branch `branch`: the flow's IMPI is its username. */
export function learnAuthenticatedImpi(state: FlowState, branch: string | null | undefined): void {
  const s = state as ProtectedState
  const entry = (s.registerImpis ?? []).find(([b]) => b === branch)
  s.registerImpis = (s.registerImpis ?? []).filter(([b]) => b !== branch)
  if (entry) s.authImpi = entry[1]
  else delete s.authImpi
}
