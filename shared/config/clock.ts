/**
 * @module clock
 * The one clock every component reads. Pure modules take a `Clock` parameter; runtime code gets
 * one from here. In the local cloud the regional gateway passes the cloud's adjustable offset,
 * so a test that moves time forward moves it for timers and expiry checks alike.
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number
}

export const systemClock: Clock = { now: () => Date.now() }

export function offsetClock(offsetMs: number): Clock {
  return offsetMs === 0 ? systemClock : { now: () => Date.now() + offsetMs }
}

export const CLOCK_OFFSET_HEADER = 'x-edgewater-clock-offset'
