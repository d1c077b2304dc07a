/**
 * A portal page as a browser runs it, without a browser: the page's HTML and the portal script
 * are fetched from the edge, and the script runs in a sandbox whose `document` holds the page's
 * elements (by id), whose `location` is the page's URL, and whose `fetch` goes to the same edge
 * with a cookie jar. `location.assign` and `location.replace` are recorded and resolved against
 * the page's URL exactly as a browser resolves a navigation target (WHATWG URL).
 */
import vm from 'node:vm'

interface FakeElement {
  id: string
  value: string
  textContent: string
  className: string
  disabled: boolean
  dataset: Record<string, string>
  listeners: Map<string, Array<(ev: unknown) => unknown>>
  addEventListener(type: string, fn: (ev: unknown) => unknown): void
  setAttribute(name: string, value: string): void
  removeAttribute(name: string): void
  focus(): void
}

function element(id: string): FakeElement {
  const listeners = new Map<string, Array<(ev: unknown) => unknown>>()
  return {
    id,
    value: '',
    textContent: '',
    className: '',
    disabled: false,
    dataset: {},
    listeners,
    addEventListener(type, fn) {
      listeners.set(type, [...(listeners.get(type) ?? []), fn])
    },
    setAttribute() {},
    removeAttribute() {},
    focus() {},
  }
}

export interface PortalPage {
  /** Navigations the script asked for, resolved against the page URL. */
  navigations: URL[]
  el(id: string): FakeElement
  /** Fires a `submit` on the form with this id. */
  submit(formId: string): void
}

export async function openPortalPage(origin: string, pathAndQuery: string): Promise<PortalPage> {
  const pageUrl = new URL(pathAndQuery, origin)
  const html = await (await fetch(pageUrl)).text()
  const script = await (await fetch(new URL('/assets/portal.js', origin))).text()
  const elements = new Map<string, FakeElement>()
  for (const m of html.matchAll(/\sid="([^"]+)"/g)) elements.set(m[1]!, element(m[1]!))
  const page = /<body[^>]*data-page="([^"]+)"/.exec(html)?.[1] ?? ''
  const navigations: URL[] = []
  const cookies = new Map<string, string>()
  const sandboxFetch = async (input: string, init: RequestInit = {}) => {
    const headers = new Headers(init.headers)
    if (cookies.size) headers.set('cookie', [...cookies].map(([k, v]) => `${k}=${v}`).join('; '))
    const res = await fetch(new URL(input, pageUrl), { ...init, headers, redirect: 'manual' })
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';')
      const eq = pair!.indexOf('=')
      cookies.set(pair!.slice(0, eq), pair!.slice(eq + 1))
    }
    return res
  }
  const go = (target: string) => {
    navigations.push(new URL(target, pageUrl))
  }
  const sandbox = {
    document: {
      body: { dataset: { page } },
      getElementById: (id: string) => elements.get(id) ?? null,
      createElement: (tag: string) => element(tag),
    },
    location: {
      href: pageUrl.href,
      origin: pageUrl.origin,
      protocol: pageUrl.protocol,
      host: pageUrl.host,
      hostname: pageUrl.hostname,
      pathname: pageUrl.pathname,
      search: pageUrl.search,
      hash: pageUrl.hash,
      assign: go,
      replace: go,
    },
    fetch: sandboxFetch,
    URL,
    URLSearchParams,
    Headers,
    Response,
    console,
    setTimeout,
    clearTimeout,
    sessionStorage: { getItem: () => null, setItem: () => {}, removeItem: () => {} },
  }
  vm.runInNewContext(script, sandbox)
  const el = (id: string) => {
    const e = elements.get(id)
    if (!e) throw new Error(`the page has no #${id}`)
    return e
  }
  return {
    navigations,
    el,
    submit(formId) {
      for (const fn of el(formId).listeners.get('submit') ?? [])
        fn({ preventDefault() {}, target: el(formId) })
    },
  }
}
