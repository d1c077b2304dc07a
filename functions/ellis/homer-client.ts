/**
 * @module ellis/homer-client
 * Ellis's side of Homer (clearwater-interfaces §3): the simservs document of a public identity
 * at `/org.etsi.ngn.simservs/users/<urlenc impu>/simservs.xml`, over signed HTTP to this region's
 * Homer, with `X-XCAP-Asserted-Identity` set to the user as Clearwater's Ellis sends it.
 */
import { callUpstream, expectStatus, type SignedClient, type UpstreamResult } from './upstream'

export const simservsPath = (impu: string) =>
  `/org.etsi.ngn.simservs/users/${encodeURIComponent(impu)}/simservs.xml`

export interface HomerClient {
  getSimservs(impu: string): Promise<UpstreamResult>
  putSimservs(impu: string, xml: string): Promise<void>
  deleteSimservs(impu: string): Promise<void>
}

export function homerClient(client: SignedClient, homerUrl: string): HomerClient {
  const headers = (impu: string) => ({ 'x-xcap-asserted-identity': impu })
  return {
    async getSimservs(impu) {
      const r = await callUpstream(
        client,
        'GET',
        `${homerUrl}${simservsPath(impu)}`,
        undefined,
        headers(impu)
      )
      return expectStatus(r, 200)
    },
    async putSimservs(impu, xml) {
      const r = await callUpstream(client, 'PUT', `${homerUrl}${simservsPath(impu)}`, xml, {
        ...headers(impu),
        'content-type': 'application/simservs+xml',
      })
      expectStatus(r, 200, 201)
    },
    async deleteSimservs(impu) {
      const r = await callUpstream(
        client,
        'DELETE',
        `${homerUrl}${simservsPath(impu)}`,
        undefined,
        headers(impu)
      )
      expectStatus(r, 200, 204, 404)
    },
  }
}
