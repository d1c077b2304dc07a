/**
 * Phones a scenario starts and every test stops after itself: `phonesForEachTest()` registers the
 * `afterEach` that stops them and returns the function that starts one ({@link Phone.start}).
 */
import { afterEach } from 'vitest'
import { Phone } from './calls-support'

/** Starts phones that are stopped after each test of the calling file. */
export function phonesForEachTest(): (...args: Parameters<typeof Phone.start>) => Promise<Phone> {
  const phones: Phone[] = []
  afterEach(async () => {
    await Promise.all(phones.splice(0).map((p) => p.stop()))
  })
  return async (...args) => {
    const p = await Phone.start(...args)
    phones.push(p)
    return p
  }
}
