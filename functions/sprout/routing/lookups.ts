/**
 * @module sprout/routing/lookups
 * The reads one routing pass makes, each started at most once and shareable before it is needed,
 * so independent reads run in parallel (architecture §8): subscriber data per identity (Dime),
 * MMTEL settings per identity (Homer's KV cache) and bindings per AoR (the registrar's AoR store).
 * The pass starts the caller's and the callee's reads together as soon as it knows both, which
 * keeps an on-net INVITE at one level of reads before its transaction record is written.
 */
import type { SimservsModel } from '../../../shared/ims/simservs-model'
import type { Binding } from '../registrar/binding-model'
import type { RoutingDeps } from './routing-deps'
import { lookupSubscriber, type Subscriber } from './subscriber'

export class Lookups {
  private readonly subs = new Map<string, Promise<Subscriber>>()
  private readonly services = new Map<string, Promise<SimservsModel | undefined>>()
  private readonly bindings = new Map<string, Promise<Binding[]>>()

  constructor(private readonly d: RoutingDeps) {}

  subscriber(impu: string): Promise<Subscriber> {
    let p = this.subs.get(impu)
    if (!p) {
      p = lookupSubscriber(this.d.homestead, impu)
      this.subs.set(impu, p)
      p.catch(() => undefined)
    }
    return p
  }

  simservs(impu: string): Promise<SimservsModel | undefined> {
    let p = this.services.get(impu)
    if (!p) {
      p = this.d.simservs.read(impu).catch((err) => {
        this.d.log.warn('simservs unreadable; no MMTEL services for this call', {
          impu,
          error: String(err),
        })
        return undefined
      })
      this.services.set(impu, p)
    }
    return p
  }

  bindingsOf(aor: string): Promise<Binding[]> {
    let p = this.bindings.get(aor)
    if (!p) {
      p = this.d.aors.read(aor).then((s) => s.bindings)
      this.bindings.set(aor, p)
      p.catch(() => undefined)
    }
    return p
  }

  /** Starts the reads a served user will need (results are kept for when they are asked for). */
  prefetch(impu: string, opts: { bindings: boolean }): void {
    void this.subscriber(impu)
    void this.simservs(impu)
    if (opts.bindings) void this.bindingsOf(impu)
  }
}
