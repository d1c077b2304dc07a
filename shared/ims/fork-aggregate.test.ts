import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { cancelsOtherForks, chooseBestResponse } from './fork-aggregate'

describe('chooseBestResponse (RFC 3261 §16.7)', () => {
  it('answers 408 when no final arrived', () => {
    expect(chooseBestResponse([])).toEqual({ index: undefined, status: 408, challengeSources: [] })
    expect(chooseBestResponse([180, 200]).status).toBe(408)
  })

  it('prefers a 6xx over any other class', () => {
    expect(chooseBestResponse([486, 603, 302]).index).toBe(1)
    expect(chooseBestResponse([486, 603, 302]).status).toBe(603)
  })

  it('otherwise picks the lowest class', () => {
    expect(chooseBestResponse([500, 486, 302]).status).toBe(302)
    expect(chooseBestResponse([500, 486]).status).toBe(486)
  })

  it('prefers resubmittable 4xx responses within the class', () => {
    expect(chooseBestResponse([486, 407, 480]).status).toBe(407)
    expect(chooseBestResponse([480, 415]).status).toBe(415)
  })

  it('keeps the earliest among equally good responses', () => {
    expect(chooseBestResponse([486, 480, 487]).index).toBe(0)
  })

  it('sends a chosen 503 as 500 and a flow failure as 480', () => {
    expect(chooseBestResponse([503]).status).toBe(500)
    expect(chooseBestResponse([503, 500]).status).toBe(500)
    expect(chooseBestResponse([430]).status).toBe(480)
    // A real 4xx is better than a dead flow.
    expect(chooseBestResponse([430, 486]).status).toBe(486)
  })

  it('merges the challenges of every 401 and 407', () => {
    const r = chooseBestResponse([401, 486, 407])
    expect(r.status).toBe(401)
    expect(r.challengeSources).toEqual([0, 2])
    expect(chooseBestResponse([486, 480]).challengeSources).toEqual([])
  })

  it('never chooses a class worse than one present (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 300, max: 699 }), { minLength: 1, maxLength: 12 }),
        (finals) => {
          const r = chooseBestResponse(finals)
          const chosen = finals[r.index!]!
          if (finals.some((s) => s >= 600)) expect(chosen).toBeGreaterThanOrEqual(600)
          else
            expect(Math.floor(chosen / 100)).toBe(
              Math.min(...finals.map((s) => Math.floor(s / 100)))
            )
        }
      )
    )
  })
})

describe('cancelsOtherForks', () => {
  it('is true for 2xx and 6xx only', () => {
    expect(cancelsOtherForks(200)).toBe(true)
    expect(cancelsOtherForks(603)).toBe(true)
    expect(cancelsOtherForks(486)).toBe(false)
    expect(cancelsOtherForks(180)).toBe(false)
  })
})
