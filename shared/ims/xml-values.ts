/**
 * @module ims/xml-values
 * Readers for the scalar element values of CxDataType (TS 29.228 Annex E): xs:boolean as
 * Clearwater accepts it (`0`, `1`, `true`, `false`) and bounded integers (cpp-common
 * `XMLUtils::parse_integer`). They throw {@link ImsParseError} naming the element, which each
 * parser's entry point turns into an {@link ImsResult}.
 */
import { ImsParseError } from './ims-result'
import { textOf, type XmlElement } from './xml-tree'

export function parseBoolean(el: XmlElement, path: string): boolean {
  const v = textOf(el)
  if (v === '1' || v === 'true') return true
  if (v === '0' || v === 'false') return false
  throw new ImsParseError(path, `must be 0, 1, true or false, got "${v}"`)
}

export function parseInteger(el: XmlElement, path: string, min: number, max: number): number {
  const v = textOf(el)
  if (!/^-?\d+$/.test(v)) throw new ImsParseError(path, `must be an integer, got "${v}"`)
  const n = Number(v)
  if (n < min || n > max)
    throw new ImsParseError(path, `must be between ${min} and ${max}, got ${n}`)
  return n
}
