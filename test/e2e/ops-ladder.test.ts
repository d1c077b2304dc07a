/**
 * The ops page in Chromium (playwright-core, local cloud; docs/operations.md#traces): an operator
 * logs in to `/ops` with the API key and puts a subscriber on full tracing; two subscribers
 * (sip.js phones) register and call, the callee answers and the caller hangs up; the operator
 * finds the call by its Call-ID and sees its SIP ladder: one column per party (the two UAs, the
 * edge, Sprout of region a) and one arrow per message of INVITE/100/180/200/ACK/BYE/200 at each
 * hop; choosing an arrow shows the message. A screenshot goes to test-results/ops-ladder/.
 */
import { mkdirSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { noteFlagged, unflagAll } from '../integration/trace-support'
import { callIdOf, newLine, Phone } from '../interop/calls-support'
import { endpoints } from '../support/cloud'
import { onNetCall } from '../support/on-net-call'
import { type Browser, openBrowser } from './browser'

const SHOTS = path.resolve('test-results', 'ops-ladder')

/** Every hop of the exchange, each drawn once (a retransmission would add a repeat). */
function expectedHops(ua: string, ub: string): string[] {
  const hops = (label: string, from: string) =>
    from === ua
      ? [
          `${ua}>edge ${label}`,
          `edge>sprout-a ${label}`,
          `sprout-a>edge ${label}`,
          `edge>${ub} ${label}`,
        ]
      : [
          `${ub}>edge ${label}`,
          `edge>sprout-a ${label}`,
          `sprout-a>edge ${label}`,
          `edge>${ua} ${label}`,
        ]
  return [
    ...hops('INVITE', ua),
    // The edge answers the caller's INVITE with its own 100; Sprout's goes no further, and the
    // callee's stops at the edge (a 100 is hop by hop, RFC 3261 §16.7 step 5).
    `edge>${ua} 100 Trying`,
    `sprout-a>edge 100 Trying`,
    `${ub}>edge 100 Trying`,
    ...hops('180 Ringing', ub),
    ...hops('200 OK', ub),
    ...hops('ACK', ua),
    ...hops('BYE', ua),
  ]
}

describe('the ops page', () => {
  let ops: Browser
  const phones: Phone[] = []

  beforeAll(async () => {
    ops = await openBrowser(endpoints().edges.a)
  }, 60_000)

  afterAll(async () => {
    await Promise.all(phones.map((p) => p.stop()))
    await unflagAll()
    await ops?.close()
  })

  it('shows a call found by Call-ID as a SIP ladder with one arrow per message', async () => {
    const origin = endpoints().edges.a
    const page = ops.page
    const [la, lb] = await Promise.all([newLine(), newLine()])

    // Log in: a wrong key is refused, the API key opens the page.
    await page.goto(`${origin}/ops`)
    await page.locator('#api-key').fill('not-the-key')
    await page.getByRole('button', { name: 'Log in' }).click()
    await page.locator('#login-error').waitFor()
    await page.locator('#api-key').fill(endpoints().ellisApiKey)
    await page.getByRole('button', { name: 'Log in' }).click()
    await page.locator('#call-id').waitFor()

    // Full tracing for the caller.
    await page.locator('#flag-impu').fill(la.impu)
    await page.getByRole('button', { name: 'Trace everything' }).click()
    await page.locator('#flags li', { hasText: la.impu }).waitFor()
    noteFlagged(la.impu)

    const [a, b] = await Promise.all([Phone.start(la), Phone.start(lb)])
    phones.push(a, b)
    const call = await onNetCall(a, b, lb.impu)
    const callId = callIdOf(call)
    const ua = `ua:${la.impu}`
    const ub = `ua:${lb.impu}`
    const wanted = [
      ...expectedHops(ua, ub),
      ...[`${ub}>edge 200 OK`, 'edge>sprout-a 200 OK', 'sprout-a>edge 200 OK', `edge>${ua} 200 OK`],
    ]

    // Find the call by Call-ID; its records land after each hop's answer, so look again until
    // the whole exchange is there.
    const drawn = async () => {
      await page.locator('#call-id').fill(callId)
      await page.locator('#find-call').click()
      await page.locator('#ladder-svg').waitFor({ timeout: 5_000 })
      const svg = page.locator('#ladder-svg')
      return {
        columns: await svg.locator('text.column').allTextContents(),
        arrows: await svg
          .locator('g.arrow')
          .evaluateAll((gs) =>
            gs.map((g) =>
              (g as { getAttribute(n: string): string | null }).getAttribute('data-label')
            )
          ),
        count: Number(await svg.getAttribute('data-arrows')),
      }
    }
    // …and until no more land (two draws in a row with the same arrows).
    let seen = await drawn()
    for (let i = 0; i < 30; i++) {
      await new Promise((r) => setTimeout(r, 500))
      const again = await drawn()
      const steady = again.count === seen.count
      seen = again
      if (steady && seen.count >= wanted.length) break
    }
    expect(seen.columns).toEqual([`UA ${la.impu}`, 'Edge', 'Sprout a', `UA ${lb.impu}`])
    // One arrow per recorded message, the same as the API's ladder.
    const api = await page.evaluate(async (id) => {
      const r = await fetch(`/ops/api/traces/${encodeURIComponent(id)}`)
      const body = (await r.json()) as {
        ladder: {
          columns: Array<{ id: string }>
          arrows: Array<{ from: number; to: number; label: string }>
        }
      }
      return body.ladder.arrows.map(
        (a) => `${body.ladder.columns[a.from]!.id}>${body.ladder.columns[a.to]!.id} ${a.label}`
      )
    }, callId)
    expect(seen.count).toBe(api.length)
    expect(seen.arrows).toHaveLength(api.length)
    // Every hop of INVITE/100/180/200/ACK/BYE/200 is drawn; anything more is a retransmission
    // of one of them.
    expect(new Set(api)).toEqual(new Set(wanted))
    expect(api.length).toBeGreaterThanOrEqual(wanted.length)

    // Choosing the first arrow shows the caller's INVITE as the edge took it.
    await page.locator('g.arrow').first().click()
    await expect.poll(() => page.locator('#message').textContent()).toMatch(/^INVITE sip:/)
    expect(await page.locator('#message-meta').textContent()).toContain(`${ua} → edge`)
    mkdirSync(SHOTS, { recursive: true })
    await page.screenshot({ path: path.join(SHOTS, 'ops-ladder.png'), fullPage: true })
  }, 120_000)
})
