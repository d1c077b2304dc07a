/**
 * @module portal/phone
 * The softphone page (bundled with sip.js to /assets/phone.js): registers a line of the account
 * over SIP/WebSocket to the edge (`ws(s)://<host>/sip`, subprotocol `sip`, RFC 7118), dials a
 * number or SIP URI, answers or rejects incoming calls, hangs up and mutes. Media flows between
 * the browsers over WebRTC; the edge carries only signalling. Call and media state are shown in
 * words, and the media line also carries machine-readable attributes (`data-pc-state`,
 * `data-audio-tracks`, `data-audio-packets`) for diagnostics and tests. Each peer connection
 * gets the STUN and TURN servers Ellis hands the logged-in user (ice-servers.ts).
 */
import {
  Invitation,
  Inviter,
  Registerer,
  RegistererState,
  type Session,
  SessionState,
  UserAgent,
  type Web,
} from 'sip.js'
import { accountPath, apiJson, type NumberInfo, requireUser } from './api'
import { busy, byId, el, param, status } from './dom'
import { iceAwareFactory, refreshIceServers } from './ice-servers'
import { wireLogout } from './logout'
import { recalledSipPassword } from './sip-credentials'
import { sipWords } from './sip-words'

const wsUrl = () => `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/sip`

let ua: UserAgent | undefined
let registerer: Registerer | undefined
let session: Session | undefined
let line: NumberInfo | undefined
let muted = false
let mediaTimer: ReturnType<typeof setInterval> | undefined

const button = (id: string) => byId<HTMLButtonElement>(id)
const callState = (s: string) => void (byId('call-state').textContent = s)

function setRegistered(on: boolean): void {
  button('register').disabled = on
  button('unregister').disabled = !on
  button('call').disabled = !on
}

/** Buttons as the registration and call state say (after a busy() wrapper restored them). */
function syncButtons(): void {
  setRegistered(registerer?.state === RegistererState.Registered)
  inCall(session !== undefined)
}

function inCall(on: boolean): void {
  button('hangup').disabled = !on
  button('mute').disabled = !on
  button('call').disabled = on || registerer?.state !== RegistererState.Registered
  if (!on) {
    muted = false
    button('mute').textContent = 'Mute'
    button('mute').setAttribute('aria-pressed', 'false')
  }
}

function sdhOf(s: Session): Web.SessionDescriptionHandler | undefined {
  return s.sessionDescriptionHandler as Web.SessionDescriptionHandler | undefined
}

async function audioPacketsIn(pc: RTCPeerConnection): Promise<number> {
  let n = 0
  const stats = await pc.getStats()
  stats.forEach((r: { type?: string; kind?: string; packetsReceived?: number }) => {
    if (r.type === 'inbound-rtp' && r.kind === 'audio') n += r.packetsReceived ?? 0
  })
  return n
}

function watchMedia(s: Session): void {
  const out = byId('media-state')
  const sdh = sdhOf(s)
  const pc = sdh?.peerConnection
  if (!sdh || !pc) return
  const audio = byId<HTMLAudioElement>('remote-audio')
  audio.srcObject = sdh.remoteMediaStream
  void audio.play().catch(() => {})
  const update = async () => {
    const tracks = sdh.remoteMediaStream.getAudioTracks().length
    const packets = await audioPacketsIn(pc).catch(() => 0)
    out.dataset.pcState = pc.connectionState
    out.dataset.audioTracks = String(tracks)
    out.dataset.audioPackets = String(packets)
    out.textContent = `${pc.connectionState}; ${packets > 0 ? 'receiving audio' : 'no audio received yet'}`
  }
  void update()
  mediaTimer = setInterval(() => void update(), 500)
}

function stopMedia(): void {
  if (mediaTimer) clearInterval(mediaTimer)
  mediaTimer = undefined
  const out = byId('media-state')
  out.textContent = 'none'
  out.dataset.pcState = 'closed'
  byId<HTMLAudioElement>('remote-audio').srcObject = null
}

function follow(s: Session, peer: string): void {
  session = s
  inCall(true)
  s.stateChange.addListener((state) => {
    switch (state) {
      case SessionState.Establishing:
        callState(s instanceof Inviter ? `calling ${peer}…` : `connecting to ${peer}…`)
        break
      case SessionState.Established:
        callState(`connected to ${peer}`)
        byId('incoming').hidden = true
        watchMedia(s)
        break
      case SessionState.Terminated:
        callState('ended')
        byId('incoming').hidden = true
        stopMedia()
        session = undefined
        inCall(false)
        break
      default:
        break
    }
  })
}

function onInvite(invitation: Invitation): void {
  const from = invitation.remoteIdentity.uri.toString()
  if (session) {
    void invitation.reject({ statusCode: 486 })
    return
  }
  byId('caller').textContent = invitation.remoteIdentity.displayName || from
  byId('incoming').hidden = false
  callState(`incoming call from ${from}`)
  follow(invitation, from)
  button('answer').focus()
}

const mediaOptions = {
  sessionDescriptionHandlerOptions: { constraints: { audio: true, video: false } },
}

async function register(password: string): Promise<void> {
  if (!line) return
  await unregister()
  await refreshIceServers().catch(() =>
    status('Could not fetch the media relay settings; calls may not connect across networks.')
  )
  const uri = UserAgent.makeURI(line.sip_uri)
  if (!uri) throw new Error(`${line.sip_uri} is not a SIP URI`)
  ua = new UserAgent({
    uri,
    authorizationUsername: line.private_id,
    authorizationPassword: password,
    transportOptions: { server: wsUrl(), connectionTimeout: 10 },
    sessionDescriptionHandlerFactory: iceAwareFactory(),
    sessionDescriptionHandlerFactoryOptions: { iceGatheringTimeout: 1000 },
    delegate: {
      onInvite,
      onDisconnect: (err) => {
        if (err) status(`The connection to the SIP server was lost: ${err.message}`, 'error')
        byId('reg-state').textContent = 'not registered (disconnected)'
        setRegistered(false)
      },
    },
    logLevel: 'warn',
  })
  byId('reg-state').textContent = 'connecting…'
  try {
    await ua.start()
  } catch {
    byId('reg-state').textContent = 'not registered'
    throw new Error(`Could not connect to the SIP server at ${wsUrl()}.`)
  }
  registerer = new Registerer(ua, { expires: 300 })
  const reg = registerer
  reg.stateChange.addListener((s) => {
    byId('reg-state').textContent =
      s === RegistererState.Registered
        ? `registered as ${line?.sip_uri}`
        : s === RegistererState.Unregistered
          ? 'not registered'
          : String(s).toLowerCase()
    setRegistered(s === RegistererState.Registered)
  })
  byId('reg-state').textContent = 'registering…'
  await new Promise<void>((resolve, reject) => {
    void reg
      .register({
        requestDelegate: {
          onAccept: () => resolve(),
          onReject: (resp) =>
            reject(
              new Error(
                `Registration failed: ${sipWords(resp.message.statusCode ?? 0, resp.message.reasonPhrase ?? '')}.`
              )
            ),
        },
      })
      .catch(reject)
  })
}

async function unregister(): Promise<void> {
  try {
    if (registerer?.state === RegistererState.Registered) await registerer.unregister()
  } catch {
    // the transport may be gone already
  }
  await ua?.stop().catch(() => {})
  ua = undefined
  registerer = undefined
  setRegistered(false)
}

function targetUri(text: string): string | undefined {
  const t = text.trim()
  if (/^sips?:/i.test(t)) return t
  const digits = t.replace(/[\s().-]/g, '')
  if (/^\+?[0-9*#]{2,20}$/.test(digits)) return `sip:${digits.replace('+', '')}@${line?.domain}`
  if (/^[^@\s]+@[^@\s]+$/.test(t)) return `sip:${t}`
  return undefined
}

async function call(text: string): Promise<void> {
  if (!ua) return
  const uri = targetUri(text)
  const target = uri ? UserAgent.makeURI(uri) : undefined
  if (!target)
    throw new Error('Enter a phone number or a SIP address such as sip:6505550123@example.com.')
  await refreshIceServers().catch(() => undefined)
  const inviter = new Inviter(ua, target, mediaOptions)
  follow(inviter, uri!)
  await inviter.invite({
    requestDelegate: {
      onProgress: (resp) => {
        if (resp.message.statusCode === 180 || resp.message.statusCode === 183)
          callState(`ringing ${uri}…`)
      },
      onReject: (resp) =>
        status(
          `The call did not connect: ${sipWords(resp.message.statusCode ?? 0, resp.message.reasonPhrase ?? '')}.`,
          'error'
        ),
    },
  })
}

function hangUp(): void {
  const s = session
  if (!s) return
  if (s.state === SessionState.Established) void s.bye()
  else if (s instanceof Inviter) void s.cancel()
  else if (s instanceof Invitation) void s.reject({ statusCode: 603 })
}

async function start(): Promise<void> {
  wireLogout()
  const me = await requireUser()
  const { numbers } = await apiJson<{ numbers: NumberInfo[] }>(
    'GET',
    `${accountPath(me.username)}/numbers`
  )
  const select = byId<HTMLSelectElement>('line')
  if (numbers.length === 0) {
    status('You have no numbers yet. Get one on the Lines page.', 'error')
    return
  }
  select.replaceChildren(
    ...numbers.map((n) =>
      el('option', { value: n.sip_uri }, `${n.formatted_number} (${n.sip_uri})`)
    )
  )
  const wanted = param('line')
  if (wanted && numbers.some((n) => n.sip_uri === wanted)) select.value = wanted
  const pick = () => {
    line = numbers.find((n) => n.sip_uri === select.value)
    byId<HTMLInputElement>('sip-password').value = (line && recalledSipPassword(line.sip_uri)) ?? ''
  }
  pick()
  select.addEventListener('change', () => {
    void unregister()
    pick()
  })
  byId<HTMLFormElement>('register-form').addEventListener('submit', (ev) => {
    ev.preventDefault()
    const password = byId<HTMLInputElement>('sip-password').value
    if (!password) return status('Enter the SIP password of this line.', 'error')
    void busy(button('register'), async () => {
      try {
        status('Registering…')
        await register(password)
        status(`Registered. Calls to ${line?.formatted_number} ring here.`, 'ok')
      } catch (err) {
        status(err instanceof Error ? err.message : 'Registration failed.', 'error')
      }
    }).finally(syncButtons)
  })
  button('unregister').addEventListener('click', () =>
    busy(button('unregister'), async () => {
      await unregister()
      status('Unregistered.')
    }).finally(syncButtons)
  )
  byId<HTMLFormElement>('dial-form').addEventListener('submit', (ev) => {
    ev.preventDefault()
    call(byId<HTMLInputElement>('target').value).catch((err: unknown) =>
      status(err instanceof Error ? err.message : 'The call could not start.', 'error')
    )
  })
  button('answer').addEventListener('click', () => {
    const s = session
    if (s instanceof Invitation)
      void refreshIceServers()
        .catch(() => undefined)
        .then(() => s.accept(mediaOptions))
        .catch((err: Error) => status(`Could not answer: ${err.message}`, 'error'))
  })
  button('reject').addEventListener('click', () => {
    if (session instanceof Invitation) void session.reject({ statusCode: 603 })
  })
  button('hangup').addEventListener('click', hangUp)
  button('mute').addEventListener('click', () => {
    const s = session
    const sdh = s && sdhOf(s)
    if (!sdh) return
    muted = !muted
    sdh.enableSenderTracks(!muted)
    button('mute').textContent = muted ? 'Unmute' : 'Mute'
    button('mute').setAttribute('aria-pressed', String(muted))
  })
  window.addEventListener('beforeunload', () => void unregister())
}

start().catch((err: unknown) =>
  status(err instanceof Error ? err.message : 'The phone could not start.', 'error')
)
