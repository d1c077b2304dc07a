/**
 * Fuzzing kit for the HTTP APIs (issue 14, "Trust boundary"). Each API describes its requests as
 * {@link Template}s (a well-formed request); the fast-check arbitrary {@link fuzzRequest} mutates
 * one: its JSON or XML body (wrong types, missing and extra fields, huge strings, deep nesting,
 * invalid UTF-8, other encodings, wrong content types), its headers, its method and its path
 * (encoded slashes, dot segments, very long segments, unicode, malformed escapes). The sender
 * uses node:http, so a path reaches the server byte for byte as generated (fetch would resolve
 * dot segments first), signs for the trusted zone when asked, and reports a hang as "no answer in
 * 10 s". {@link runFuzz} samples a seeded run, sends it and returns every input whose answer was
 * a 5xx, a 4xx without a reason, a dropped connection or no answer.
 */

export { type FuzzOptions, fuzzRequest } from './fuzz/request'
export {
  describeFailures,
  type FuzzFailure,
  type FuzzReport,
  fuzzRuns,
  fuzzSeed,
  HANG_MS,
  type Outcome,
  problemOf,
  runFuzz,
  send,
} from './fuzz/runner'
export type { FuzzRequest, Signing, Template } from './fuzz/template'
