/**
 * @module sprout/routing/lookups
 * The reads one routing pass makes, each started at most once and shareable before it is needed,
 * so independent reads run in parallel (architecture §8): subscriber data per identity (Dime),
 * MMTEL settings per identity (Homer's KV cache) and bindings per AoR (the registrar's AoR store).
 * The pass starts the caller's and the callee's reads together as soon as it knows both, which
 * keeps an on-net INVITE at one level of reads before its transaction record is written.
 *
 * With Homestead in process (hss-local.ts), the callee's bindings are read in the same KV
 * command as the Homestead cache entries of every served user the pass announced
 * ({@link Lookups.readAhead}): an on-net INVITE reads its subscriber data and the callee's AoR
 * with one MGET instead of one GET each; the MMTEL settings (hashes) are read beside it.
 */
import type { SimservsModel } from '../../../shared/ims/simservs-model'
import type { Binding } from '../registrar/binding-model'
import type { RoutingDeps } from './routing-deps'
import { lookupSubscriber, type Subscriber } from './subscriber'

export class Lookups {
  private readonly subs = new Map<string, Promise<Subscriber>>()
  private readonly services = new Map<string, Promise<SimservsModel | undefined>>()
  private readonly bindings = new Map<string, Promise<Binding[]>>()

  /** The one read of the callee's AoR and the served users' Homestead entries, once started. */
  private ahead: Promise<unknown> | undefined

  constructor(private readonly d: RoutingDeps) {}

  /**
   * Reads `aor`'s bindings and the Homestead cache entries of `users` in one KV command, and
   * hands the entries to the in-process Homestead. Without it (Homestead over HTTP) nothing is
   * done and each read goes its own way.
   */
  readAhead(aor: string, users: readonly string[]): void {
    const hss = this.d.homestead
    if (this.ahead || !hss.readAheadKeys || !hss.primeReadAhead) return
    // The sets' reg-data entries only: no digest is asked for on a call.
    const keys = [...new Set(users.flatMap((u) => hss.readAheadKeys!(undefined, u)))]
    const read = this.d.aors.readWith(aor, keys).then((r) => {
      hss.primeReadAhead!(keys, r.values)
      return r.state.bindings
    })
    this.ahead = read.catch(() => undefined)
    read.catch(() => undefined)
    this.bindings.set(aor, read)
  }

  subscriber(impu: string): Promise<Subscriber> {
    let p = this.subs.get(impu)
    if (!p) {
      const ahead = this.ahead ?? Promise.resolve()
      p = ahead.then(() => lookupSubscriber(this.d.homestead, impu))
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

  /**
   * Starts the reads of an originating served user and the callee it calls: the callee's AoR
   * with both users' Homestead entries in one command, then their subscriber data, and both
   * users' MMTEL settings beside it.
   */
  prefetchCall(caller: string, callee: string | undefined): void {
    if (callee && callee !== caller) this.readAhead(callee, [caller, callee])
    this.prefetch(caller, { bindings: false })
    if (callee && callee !== caller) this.prefetch(callee, { bindings: true })
  }
}
