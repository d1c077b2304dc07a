/** What the fuzzer mutates (a {@link Template}) and what it sends (a {@link FuzzRequest}). */
/** A well-formed request of an API; segments are already percent-encoded. */
export interface Template {
  name: string
  method: string
  segments: string[]
  query?: string
  body?: { kind: 'json'; value: unknown } | { kind: 'xml'; value: string }
  headers?: Record<string, string>
}

export type Signing = 'good' | 'none' | 'bad'

export interface FuzzRequest {
  template: string
  method: string
  /** The request target exactly as sent. */
  path: string
  headers: Record<string, string>
  body: Buffer | undefined
  signing: Signing
  /** What was done to the template, for the report. */
  mutations: string[]
}
