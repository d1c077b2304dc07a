/**
 * Dialog-scoped flow tokens and the keyed client-facing Via branch (flow-token.ts): what they
 * let through and what they refuse, including during a key rotation.
 */
import { describe, expect, it } from 'vitest'
import {
  baseFlowToken,
  checkDialogToken,
  clientBranch,
  isClientBranch,
  mintDialogToken,
  mintFlowToken,
  openFlowToken,
  sameFlow,
} from './flow-token'

const secret = 'flow-token-secret-0123456789abcdef'
const objectId = 'ab'.repeat(32)
const now = 1_800_000_000_000

describe('dialog-scoped tokens', () => {
  it('let an in-dialog request of their dialog through until they expire', async () => {
    const plain = await mintFlowToken(secret, objectId)
    const scoped = await mintDialogToken(secret, plain, 'call-1', now + 60_000)
    expect(scoped).toMatch(/^[0-9a-f]{64}\.[0-9a-f]{24}\.[0-9a-z]+\.[0-9a-f]{24}$/)
    expect(baseFlowToken(scoped)).toBe(plain)
    expect(sameFlow(scoped, plain)).toBe(true)
    expect(await openFlowToken(secret, scoped)).toBe(objectId)
    expect(await checkDialogToken(secret, scoped, 'call-1', now)).toBe('ok')
    expect(await checkDialogToken(secret, scoped, 'call-2', now)).toBe('wrong-dialog')
    expect(await checkDialogToken(secret, scoped, 'call-1', now + 61_000)).toBe('expired')
    expect(await checkDialogToken(secret, plain, 'call-1', now)).toBe('unscoped')
  })

  it('cannot be re-scoped or re-dated by the holder', async () => {
    const plain = await mintFlowToken(secret, objectId)
    const scoped = await mintDialogToken(secret, plain, 'call-1', now + 60_000)
    const [id, tag, exp, mac] = scoped.split('.')
    const later = `${id}.${tag}.${(Number.parseInt(exp!, 36) + 10_000).toString(36)}.${mac}`
    expect(await checkDialogToken(secret, later, 'call-1', now)).toBe('wrong-dialog')
    expect(await checkDialogToken('another-secret-0123456789abcdef', scoped, 'call-1', now)).toBe(
      'wrong-dialog'
    )
  })

  it('stay valid under the previous key during a rotation', async () => {
    const old = 'old-flow-token-secret-0123456789ab'
    const plain = await mintFlowToken(old, objectId)
    const scoped = await mintDialogToken(old, plain, 'call-1', now + 60_000)
    expect(await checkDialogToken({ secret, previous: old }, scoped, 'call-1', now)).toBe('ok')
    expect(await checkDialogToken({ secret }, scoped, 'call-1', now)).toBe('wrong-dialog')
  })
})

describe('the client-facing Via branch', () => {
  const below = { host: 'sprout.a.edgewater.internal', branch: 'z9hG4bKs1', flow: '' }

  it('is the same for the same Via below and cannot be moved to another one', async () => {
    const plain = await mintFlowToken(secret, objectId)
    const b = await clientBranch(secret, plain, below)
    expect(b).toMatch(/^z9hG4bK[0-9a-f]{24}$/)
    expect(await clientBranch(secret, plain, below)).toBe(b)
    expect(await isClientBranch(secret, plain, below, b)).toBe(true)
    const elsewhere = { host: 'edge.edgewater.internal', branch: 'z9hG4bKs1', flow: plain }
    expect(await isClientBranch(secret, plain, elsewhere, b)).toBe(false)
    const other = await mintFlowToken(secret, 'cd'.repeat(32))
    expect(await isClientBranch(secret, other, below, b)).toBe(false)
    expect(await isClientBranch(secret, plain, below, 'z9hG4bKforged')).toBe(false)
  })
})

describe('remembered MACs', () => {
  it('answer as computing them again would: per key, and never for a forged tag', async () => {
    const other = 'another-flow-secret-0123456789abcdef'
    const id = 'cd'.repeat(32)
    const token = await mintFlowToken(secret, id)
    for (let round = 0; round < 2; round++) {
      expect(await openFlowToken(secret, token)).toBe(id)
      expect(await openFlowToken(other, token)).toBeUndefined()
      expect(await openFlowToken(secret, `${id}.${'0'.repeat(24)}`)).toBeUndefined()
    }
    expect(await mintFlowToken(other, id)).not.toBe(token)
    const below = { host: 'sprout.a.edgewater.internal', branch: 'z9hG4bKx', flow: '' }
    const branch = await clientBranch(secret, token, below)
    expect(await isClientBranch(secret, token, below, branch)).toBe(true)
    expect(await isClientBranch(other, token, below, branch)).toBe(false)
    expect(await isClientBranch(secret, token, { ...below, branch: 'z9hG4bKy' }, branch)).toBe(
      false
    )
  })
})
