/**
 * @module test-support/corpus
 * Test-only helpers for the unit tests of shared/sip (never imported by the package itself): the repo root,
 * reading the torture corpus in place from `../shared/testdata`, decoding octets the way the
 * framer does, and a seeded random source.
 */
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { RandomSource } from '../../../shared/sip/random'
import { decodeLatin1, decodeUtf8 } from '../../../shared/sip/utf8'

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..')
export const tortureDir = (rfc: 'rfc4475' | 'rfc5118'): string =>
  path.resolve(repoRoot, '../shared/testdata/sip-torture', rfc)

export interface ManifestEntry {
  file: string
  section: string
  title: string
  expect: 'parse' | 'reject' | 'reject-or-liberal' | 'implementation-choice'
}

export function manifest(rfc: 'rfc4475' | 'rfc5118'): ManifestEntry[] {
  const m = JSON.parse(readFileSync(path.join(tortureDir(rfc), 'manifest.json'), 'utf8')) as {
    messages: ManifestEntry[]
  }
  return m.messages
}

export const tortureBytes = (rfc: 'rfc4475' | 'rfc5118', file: string): Uint8Array =>
  new Uint8Array(readFileSync(path.join(tortureDir(rfc), file)))

/** Octets → text as the framer decodes them: UTF-8 when valid, else one char per octet. */
export function decode(bytes: Uint8Array): { text: string; binary: boolean } {
  const utf8 = decodeUtf8(bytes)
  return utf8 === null ? { text: decodeLatin1(bytes), binary: true } : { text: utf8, binary: false }
}

/** Deterministic xorshift32 random source for tests. */
export function seededRandom(seed = 0x9e3779b9): RandomSource {
  let x = seed | 0 || 1
  return (bytes) => {
    for (let i = 0; i < bytes.length; i++) {
      x ^= x << 13
      x ^= x >>> 17
      x ^= x << 5
      bytes[i] = x & 0xff
    }
  }
}
