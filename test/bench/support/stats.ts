/**
 * @module bench stats
 * Percentiles, rates and the Markdown tables the benches print.
 */

/** The p-quantile (0..1) of `xs` by the nearest-rank method; NaN when empty. */
export function pct(xs: readonly number[], p: number): number {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))] ?? Number.NaN
}

export const fmt = (v: number, digits = 1): string => (Number.isFinite(v) ? v.toFixed(digits) : '–')

/** A Markdown table. */
export function table(head: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`
  return [line(head), line(head.map(() => '---')), ...rows.map(line)].join('\n')
}

/** The 1-minute load average, printed with every figure (the machine is shared). */
export async function loadAverage(): Promise<string> {
  const { readFile } = await import('node:fs/promises')
  return (await readFile('/proc/loadavg', 'utf8')).split(' ').slice(0, 3).join(' ')
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** `--name=<n>` from argv, or the env var, or the default. */
export function numberArg(name: string, env: string, dflt: number): number {
  const a = process.argv.find((x) => x.startsWith(`--${name}=`))
  const raw = a ? a.slice(name.length + 3) : process.env[env]
  const n = Number(raw)
  return raw !== undefined && Number.isFinite(n) && n > 0 ? n : dflt
}
