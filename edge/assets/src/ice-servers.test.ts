import { afterEach, describe, expect, it, vi } from 'vitest'
import { iceAwareFactory, iceServers, refreshIceServers } from './ice-servers'

const TURN = {
  urls: ['turn:turn.example.com:3478'],
  username: '1767312000:abc',
  credential: 'c2VjcmV0',
}

function answer(body: unknown, status = 200) {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json' },
  })
}

afterEach(() => {
  vi.unstubAllGlobals()
})

describe('the softphone’s ICE servers', () => {
  it('fetches them, keeps them for half the credential’s lifetime, then fetches again; a failure keeps the last list', async () => {
    const asked: string[] = []
    let next: Response = answer({ iceServers: [{ urls: ['stun:a.example.com'] }, TURN], ttl: 100 })
    vi.stubGlobal('fetch', async (url: string) => {
      asked.push(url)
      return next
    })
    const t0 = 1_000_000
    await refreshIceServers(t0)
    expect(asked).toEqual(['/api/ice-servers'])
    expect(iceServers()).toEqual([{ urls: ['stun:a.example.com'] }, TURN])

    // Within half the TTL (50 s): no new request.
    await refreshIceServers(t0 + 49_999)
    expect(asked).toHaveLength(1)

    next = answer({ iceServers: [{ urls: ['stun:b.example.com'] }], uris: [] })
    await refreshIceServers(t0 + 50_000)
    expect(asked).toHaveLength(2)
    expect(iceServers()).toEqual([{ urls: ['stun:b.example.com'] }])

    // Without TURN (no ttl) the list is looked at again after an hour; a refusal keeps it.
    next = answer({ error: true, status: 401, reason: 'log in' }, 401)
    await refreshIceServers(t0 + 50_000 + 3_599_999)
    expect(asked).toHaveLength(2)
    await expect(refreshIceServers(t0 + 50_000 + 3_600_000)).rejects.toThrow('Log in')
    expect(iceServers()).toEqual([{ urls: ['stun:b.example.com'] }])
  })

  it('gives each new peer connection the current list, keeping the other options', () => {
    const configs: unknown[] = []
    vi.stubGlobal('MediaStream', class {})
    vi.stubGlobal(
      'RTCPeerConnection',
      class {
        constructor(config: unknown) {
          configs.push(config)
        }
        addEventListener() {}
      }
    )
    const factory = iceAwareFactory()
    const quiet = { debug() {}, log() {}, warn() {}, error() {} }
    factory({ userAgent: { getLogger: () => quiet } } as never, {
      iceGatheringTimeout: 1000,
      peerConnectionConfiguration: { bundlePolicy: 'max-bundle', iceServers: [] },
    })
    // sip.js's defaults fill the rest; the given option and the current list win.
    expect(configs).toEqual([
      expect.objectContaining({
        bundlePolicy: 'max-bundle',
        iceServers: [{ urls: ['stun:b.example.com'] }],
      }),
    ])
  })
})
