/**
 * @module trace/text-ladder
 * A ladder diagram (ladder.ts) as monospaced text, for `edgewater trace`:
 *
 *     UA alice        Edge            Sprout a
 *        |--INVITE----->|               |
 *        |              |--INVITE------>|   +3 ms
 *
 * Each arrow is one line, with the time since the previous arrow on the right. Pure.
 */
import type { Ladder } from './ladder'

const MIN_WIDTH = 16

export function renderTextLadder(ladder: Ladder): string[] {
  const n = ladder.columns.length
  if (n === 0) return ['(no records)']
  const width = Math.max(
    MIN_WIDTH,
    ...ladder.columns.map((c) => c.label.length + 2),
    ...ladder.arrows.map((a) =>
      Math.ceil((a.label.length + 4) / Math.max(1, Math.abs(a.to - a.from)))
    )
  )
  const centre = (i: number) => i * width + Math.floor(width / 2)
  const total = n * width
  const lines: string[] = []
  lines.push(
    ladder.columns
      .map((c) => c.label.padStart(Math.floor((width + c.label.length) / 2)).padEnd(width))
      .join('')
      .trimEnd()
  )
  for (const a of ladder.arrows) {
    const row = Array.from({ length: total }, () => ' ')
    for (let i = 0; i < n; i++) row[centre(i)] = '|'
    const l = Math.min(centre(a.from), centre(a.to))
    const r = Math.max(centre(a.from), centre(a.to))
    if (l === r) {
      // A message a party sends itself: a loop marker beside its column.
      const text = `<-${a.label}`
      for (let k = 0; k < text.length && l + 1 + k < total; k++) row[l + 1 + k] = text[k]!
    } else {
      for (let x = l + 1; x < r; x++) row[x] = '-'
      if (a.to > a.from) row[r - 1] = '>'
      else row[l + 1] = '<'
      const start = l + 3
      for (let k = 0; k < a.label.length && start + k < r - 1; k++) row[start + k] = a.label[k]!
    }
    lines.push(`${row.join('').trimEnd()}   +${a.sincePrevious} ms${a.failure ? '  !' : ''}`)
  }
  return lines
}
