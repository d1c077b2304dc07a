/**
 * @module regions
 * The two hot-hot regions of a deployment and the functions each one runs (architecture §1–2).
 */
export const REGIONS = ['a', 'b'] as const
export type Region = (typeof REGIONS)[number]

export const FUNCTIONS = ['sprout', 'dime', 'homer', 'ellis', 'timers'] as const
export type FunctionName = (typeof FUNCTIONS)[number]

export function isRegion(v: unknown): v is Region {
  return v === 'a' || v === 'b'
}

export function peerOf(region: Region): Region {
  return region === 'a' ? 'b' : 'a'
}

/** Base URL of every function in every region: `{ a: { sprout: 'https://…' }, b: {…} }`. */
export type FunctionUrls = Record<Region, Record<FunctionName, string>>
