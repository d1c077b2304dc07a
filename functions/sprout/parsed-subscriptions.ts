/**
 * @module sprout/parsed-subscriptions
 * IMS subscription documents (TS 29.228 Annex B) kept parsed per isolate, keyed by their exact
 * text. Homestead hands Sprout the set's document with every reg-data answer, and the same
 * document comes back on every re-registration: parsing it is pure, so the parsed form of a text
 * seen before is reused. A changed subscription is a different text, so nothing goes stale;
 * the map holds at most `limit` documents (`SPROUT_PARSED_SUBSCRIPTIONS`, sprout-config.ts), the
 * least recently used leaving first. Callers treat the parsed value as read-only.
 */
import { parseImsSubscriptionXml } from '../../shared/ims/ims-subscription'

export type ParsedSubscription = ReturnType<typeof parseImsSubscriptionXml>

export class ParsedSubscriptions {
  private readonly byText = new Map<string, ParsedSubscription>()

  constructor(readonly limit: number) {}

  /** The parsed document `xml` (from the map when seen before; failures are not kept). */
  parse(xml: string): ParsedSubscription {
    const hit = this.byText.get(xml)
    if (hit) {
      // Most recently used last: Map keeps insertion order.
      this.byText.delete(xml)
      this.byText.set(xml, hit)
      return hit
    }
    const out = parseImsSubscriptionXml(xml)
    if (out.ok && this.limit > 0) {
      this.byText.set(xml, out)
      if (this.byText.size > this.limit) {
        const oldest = this.byText.keys().next().value
        if (oldest !== undefined) this.byText.delete(oldest)
      }
    }
    return out
  }

  get size(): number {
    return this.byText.size
  }
}

let isolate: ParsedSubscriptions | undefined

/** The isolate's map, sized by the first configuration that asks (one per limit otherwise). */
export function isolateParsedSubscriptions(limit: number): ParsedSubscriptions {
  if (!isolate || isolate.limit !== limit) isolate = new ParsedSubscriptions(limit)
  return isolate
}
