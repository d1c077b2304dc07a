/**
 * @module edge/address-gate
 * The cap on open WebSocket flows per client address (`MAX_FLOWS_PER_ADDRESS`). Each address has
 * one counting object in the FLOW namespace (`idFromName("address:<ip>")`): the upgrade asks it
 * to admit a flow before the flow's own object is created, and the flow releases its place when
 * its socket closes. The address is Cloudflare's `CF-Connecting-IP`, which a client cannot set;
 * a request without it (only possible off Cloudflare, e.g. the local cloud's direct sockets) is
 * not counted. Cost: one call to the address's object and one storage write when a flow opens,
 * the same when it closes; nothing per message.
 */

/** The host of the gate's requests to a flow object (the only ones that use its storage). */
export const GATE_HOST = 'address-gate'
const ADMIT = `https://${GATE_HOST}/admit`
const RELEASE = `https://${GATE_HOST}/release`
const LIMIT_HEADER = 'x-edgewater-flow-limit'
const COUNT_KEY = 'flows'

/** The client address the worker counted a flow under, passed to the flow to release on close. */
export const CLIENT_ADDRESS_HEADER = 'x-edgewater-client-address'

export const gateName = (address: string) => `address:${address}`

/** True when the address may open one more flow (and it is counted). */
export async function admitFlow(
  ns: DurableObjectNamespace,
  address: string,
  limit: number
): Promise<boolean> {
  const stub = ns.get(ns.idFromName(gateName(address)))
  const res = await stub.fetch(ADMIT, {
    method: 'POST',
    headers: { [LIMIT_HEADER]: String(limit) },
  })
  await res.arrayBuffer()
  return res.status === 204
}

/** Gives back the place of a flow that closed (or never opened). */
export async function releaseFlow(ns: DurableObjectNamespace, address: string): Promise<void> {
  const stub = ns.get(ns.idFromName(gateName(address)))
  const res = await stub.fetch(RELEASE, { method: 'POST' })
  await res.arrayBuffer()
}

/** The counting object's side: `undefined` when the request is not for a gate. */
export async function gateRequest(
  storage: DurableObjectStorage,
  request: Request,
  path: URL = new URL(request.url)
): Promise<Response | undefined> {
  if (path.hostname !== GATE_HOST || request.method !== 'POST') return undefined
  const count = (await storage.get<number>(COUNT_KEY)) ?? 0
  if (path.pathname === '/admit') {
    const limit = Number(request.headers.get(LIMIT_HEADER))
    if (count >= limit) return new Response(null, { status: 429 })
    await storage.put(COUNT_KEY, count + 1)
    return new Response(null, { status: 204 })
  }
  if (path.pathname === '/release') {
    if (count <= 1) await storage.delete(COUNT_KEY)
    else await storage.put(COUNT_KEY, count - 1)
    return new Response(null, { status: 204 })
  }
  return new Response('not found', { status: 404 })
}
