/**
 * @module portal/dom
 * Tiny DOM helpers for the portal pages (no framework): element lookup that fails loudly, an
 * element builder that only ever sets text (never HTML, so nothing a user typed becomes markup),
 * and the status line every page has (`role="status"`, read out by screen readers).
 */

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const e = document.getElementById(id)
  if (!e) throw new Error(`the page has no #${id}`)
  return e as T
}

type Attrs = Record<string, string | boolean | undefined>

/** Builds an element: attributes (false/undefined skipped) and children (strings become text). */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: Array<Node | string>
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag)
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue
    e.setAttribute(k, v === true ? '' : v)
  }
  for (const c of children) e.append(c)
  return e
}

export type StatusKind = 'info' | 'ok' | 'error'

/** Shows a message in the page's status line. */
export function status(message: string, kind: StatusKind = 'info'): void {
  const s = byId('status')
  s.textContent = message
  s.className = `status status-${kind}`
}

/** The value of a query parameter of the current page. */
export const param = (name: string) => new URLSearchParams(location.search).get(name) ?? undefined

/** Disables a button while `work` runs (no double submits), then restores it. */
export async function busy<T>(button: HTMLButtonElement, work: () => Promise<T>): Promise<T> {
  button.disabled = true
  button.setAttribute('aria-busy', 'true')
  try {
    return await work()
  } finally {
    button.disabled = false
    button.removeAttribute('aria-busy')
  }
}
