/**
 * @module parser bench timing
 * Batch timing of a parse function: calibration to a time window, round-robin runs of several
 * libraries and back-to-back paired ratios, so load drift on a shared machine hits all alike.
 */
import type { Lib, Parse } from './parser-libs'

/** Seconds per timed batch, runs per median and warm-up seconds. */
export interface Timing {
  secs: number
  runs: number
  warm: number
}

export function timeBatch(fn: Parse, text: string, n: number): number {
  let sink = 0
  const t0 = process.hrtime.bigint()
  for (let i = 0; i < n; i++) if (fn(text) !== undefined) sink++
  const ns = Number(process.hrtime.bigint() - t0)
  if (sink !== n) throw new Error(`parse returned nothing ${n - sink}/${n} times`)
  return (n * 1e9) / ns
}

export function calibrate(fn: Parse, text: string, t: Timing): number {
  const warmEnd = process.hrtime.bigint() + BigInt(Math.round(t.warm * 1e9))
  while (process.hrtime.bigint() < warmEnd) timeBatch(fn, text, 20)
  let n = 50
  let rate = timeBatch(fn, text, n)
  while (n / rate < 0.25 * t.secs) {
    n *= 2
    rate = timeBatch(fn, text, n)
  }
  return Math.max(50, Math.round(rate * t.secs))
}

export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b)
  const k = s.length >> 1
  return s.length % 2 ? s[k]! : (s[k - 1]! + s[k]!) / 2
}

/**
 * Round-robin: every library is timed once per run, so drift affects all alike. The order rotates
 * each run, so no library always follows the one that leaves the most garbage for the collector.
 */
export function measure(libs: Lib[], text: string, t: Timing): Map<string, number> {
  const ns = libs.map((l) => calibrate(l.parse, text, t))
  const runs = libs.map(() => [] as number[])
  for (let r = 0; r < t.runs; r++) {
    for (let k = 0; k < libs.length; k++) {
      const i = (k + r) % libs.length
      runs[i]!.push(timeBatch(libs[i]!.parse, text, ns[i]!))
    }
  }
  return new Map(libs.map((l, i) => [l.name, median(runs[i]!)]))
}

/**
 * The ratio of `a`'s rate to `b`'s from short batches run back to back (alternating which goes
 * first), median over many pairs: a burst of load on a shared machine then skews single pairs,
 * not the result.
 */
export function pairedRatio(
  a: Lib,
  b: Lib,
  text: string,
  rateA: number,
  rateB: number,
  t: Timing
): number {
  const na = Math.max(20, Math.round((rateA * t.secs) / 4))
  const nb = Math.max(20, Math.round((rateB * t.secs) / 4))
  const ratios: number[] = []
  for (let p = 0; p < 4 * t.runs; p++) {
    if (p % 2 === 0) {
      const ra = timeBatch(a.parse, text, na)
      ratios.push(ra / timeBatch(b.parse, text, nb))
    } else {
      const rb = timeBatch(b.parse, text, nb)
      ratios.push(timeBatch(a.parse, text, na) / rb)
    }
  }
  return median(ratios)
}

export const fmt = (n: number): string => Math.round(n).toLocaleString('en-US')
