/**
 * The per-address flow counter (address-gate.ts), on an in-memory stand-in for the object's
 * storage: admits up to the limit, refuses beyond it, and gives a place back on release.
 */
import { describe, expect, it } from 'vitest'
import { gateRequest } from './address-gate'

function memoryStorage() {
  const m = new Map<string, unknown>()
  return {
    get: async (k: string) => m.get(k),
    put: async (k: string, v: unknown) => void m.set(k, v),
    delete: async (k: string) => m.delete(k),
  } as unknown as DurableObjectStorage
}

const admit = (limit: number) =>
  new Request('https://address-gate/admit', {
    method: 'POST',
    headers: { 'x-edgewater-flow-limit': String(limit) },
  })
const release = () => new Request('https://address-gate/release', { method: 'POST' })

describe('the address gate', () => {
  it('admits up to the limit, refuses the next, and admits again after a release', async () => {
    const storage = memoryStorage()
    for (let i = 0; i < 3; i++) expect((await gateRequest(storage, admit(3)))?.status).toBe(204)
    expect((await gateRequest(storage, admit(3)))?.status).toBe(429)
    expect((await gateRequest(storage, release()))?.status).toBe(204)
    expect((await gateRequest(storage, admit(3)))?.status).toBe(204)
  })

  it('leaves requests that are not for a gate to the flow', async () => {
    const r = await gateRequest(memoryStorage(), new Request('https://flow/connect'))
    expect(r).toBeUndefined()
  })
})
