/**
 * @module cli/provision-csv
 * Clearwater's bulk-provisioning CSV (clearwater-interfaces, Homestead's bulk provisioning): one
 * subscriber per line, `public id, private id, realm, password`. Blank lines and lines starting
 * with `#` are skipped; a first line naming the columns (`public_id,…`) is a header. A public id
 * without a scheme gets `sip:`. Each row is checked with zod; a bad row is reported with its line
 * number and the file is refused as a whole, so nothing is half provisioned by a typo.
 */
import { z } from 'zod'

export interface SubscriberRow {
  line: number
  impu: string
  impi: string
  realm: string
  password: string
}

/** Longest field accepted (an identity, realm or password). */
export const MAX_FIELD_CHARS = 256

const field = (name: string) =>
  z
    .string()
    .trim()
    .min(1, `${name} is empty`)
    .max(MAX_FIELD_CHARS, `${name} is longer than ${MAX_FIELD_CHARS} characters`)
    .refine((v) => !/[\s,]/.test(v), `${name} contains a space or comma`)

const row = z.object({
  impu: field('public id').transform((v) => (/^(sips?|tel):/i.test(v) ? v : `sip:${v}`)),
  impi: field('private id'),
  realm: field('realm'),
  password: field('password'),
})

export type CsvParse = { ok: true; rows: SubscriberRow[] } | { ok: false; error: string }

/** The rows of `text`, or the first problem with its line number. */
export function parseSubscriberCsv(text: string): CsvParse {
  const rows: SubscriberRow[] = []
  const seen = new Map<string, number>()
  const lines = text.split(/\r?\n/)
  for (let i = 0; i < lines.length; i++) {
    const raw = (lines[i] ?? '').trim()
    if (raw === '' || raw.startsWith('#')) continue
    if (rows.length === 0 && /^public[ _]?id\s*,/i.test(raw)) continue
    const cells = raw.split(',')
    if (cells.length !== 4)
      return {
        ok: false,
        error: `line ${i + 1} has ${cells.length} fields; expected public id, private id, realm, password`,
      }
    const [impu, impi, realm, password] = cells
    const parsed = row.safeParse({ impu, impi, realm, password })
    if (!parsed.success)
      return { ok: false, error: `line ${i + 1}: ${parsed.error.issues[0]?.message ?? 'invalid'}` }
    const first = seen.get(parsed.data.impu)
    if (first !== undefined)
      return {
        ok: false,
        error: `line ${i + 1} repeats public id ${parsed.data.impu} of line ${first}`,
      }
    seen.set(parsed.data.impu, i + 1)
    rows.push({ line: i + 1, ...parsed.data })
  }
  return { ok: true, rows }
}
