/**
 * @module trace/trace-config
 * The trace settings every tracing component reads from its bindings (docs/operations.md#traces),
 * parsed once per bindings object with zod:
 *
 * | setting                   | default   | meaning                                                        |
 * | ------------------------- | --------- | -------------------------------------------------------------- |
 * | `TRACE_ALL`               | `0`       | `1`: every call is traced (the whole system on full tracing)   |
 * | `TRACE_SAMPLE_RATE`       | `0`       | share of successful calls kept, 0 to 1 (failed calls always)   |
 * | `TRACE_TTL_S`             | `86400`   | how long a trace is kept (DynamoDB TTL)                        |
 * | `TRACE_BODY_POLICY`       | `headers` | `full`, `headers` (body replaced by its length) or `none`      |
 * | `TRACE_MAX_MESSAGE_BYTES` | `16384`   | a recorded message is cut here                                  |
 * | `TRACE_BUFFER_TRACES`     | `512`     | calls a hop holds in memory until it knows whether to keep them |
 * | `TRACE_BUFFER_NOTES`      | `64`      | messages held per call                                          |
 * | `TRACE_BUFFER_MS`         | `300000`  | how long an undecided call is held after its last message       |
 * | `TRACE_KEEP_MS`           | `32000`   | how long a failure or a sampled answer keeps a call's later messages |
 * | `TRACE_BUFFER_BYTES`      | `8388608` | message text one Sprout isolate holds for undecided calls (8 MiB) |
 * | `TRACE_FLOW_BUFFER_BYTES` | `262144`  | message text one edge flow holds for undecided calls (256 KiB)  |
 * | `TRACE_FLAGS_REFRESH_S`   | `0`       | Sprout re-reads the per-IMPU flags this often (0: at start and when the ops API changes them) |
 * | `OTLP_URL`                | unset     | an OpenTelemetry collector's OTLP/HTTP traces URL; unset: no export |
 */
import { z } from 'zod'
import { parseCachedConfig } from '../config/cached-config'
import {
  DEFAULT_TRACE_BUFFER_BYTES,
  DEFAULT_TRACE_KEEP_MS,
  type TraceBufferLimits,
} from './trace-buffer'

/** One edge flow's share: a client's own calls, while many flows may share an isolate. */
export const DEFAULT_FLOW_TRACE_BUFFER_BYTES = 256 * 1024

import { BODY_POLICIES, type RecordPolicy } from './trace-record'

const flag = z
  .enum(['0', '1', 'true', 'false'])
  .default('0')
  .transform((v) => v === '1' || v === 'true')

const schema = z.object({
  TRACE_ALL: flag,
  TRACE_SAMPLE_RATE: z.coerce.number().min(0).max(1).default(0),
  TRACE_TTL_S: z.coerce
    .number()
    .int()
    .min(60)
    .max(30 * 86_400)
    .default(86_400),
  TRACE_BODY_POLICY: z.enum(BODY_POLICIES).default('headers'),
  TRACE_MAX_MESSAGE_BYTES: z.coerce.number().int().min(256).max(65_536).default(16_384),
  TRACE_BUFFER_TRACES: z.coerce.number().int().min(1).max(100_000).default(512),
  TRACE_BUFFER_NOTES: z.coerce.number().int().min(1).max(1_000).default(64),
  TRACE_BUFFER_MS: z.coerce.number().int().min(1_000).max(3_600_000).default(300_000),
  TRACE_KEEP_MS: z.coerce.number().int().min(0).max(3_600_000).default(DEFAULT_TRACE_KEEP_MS),
  TRACE_BUFFER_BYTES: z.coerce
    .number()
    .int()
    .min(65_536)
    .max(1_073_741_824)
    .default(DEFAULT_TRACE_BUFFER_BYTES),
  TRACE_FLOW_BUFFER_BYTES: z.coerce
    .number()
    .int()
    .min(65_536)
    .max(67_108_864)
    .default(DEFAULT_FLOW_TRACE_BUFFER_BYTES),
  TRACE_FLAGS_REFRESH_S: z.coerce.number().int().min(0).max(86_400).default(0),
  OTLP_URL: z
    .string()
    .url()
    .optional()
    .or(z.literal('').transform(() => undefined)),
})

export interface TraceConfig {
  all: boolean
  sampleRate: number
  ttlSeconds: number
  policy: RecordPolicy
  buffer: TraceBufferLimits
  /** The byte bound of one edge flow's buffer (TRACE_FLOW_BUFFER_BYTES). */
  flowBufferBytes: number
  flagsRefreshMs: number
  otlpUrl: string | undefined
}

/** The trace settings of a component's raw bindings (unknown keys ignored). */
export const traceConfig = parseCachedConfig(
  schema,
  'trace',
  (d): TraceConfig => ({
    all: d.TRACE_ALL,
    sampleRate: d.TRACE_SAMPLE_RATE,
    ttlSeconds: d.TRACE_TTL_S,
    policy: { body: d.TRACE_BODY_POLICY, maxMessageChars: d.TRACE_MAX_MESSAGE_BYTES },
    buffer: {
      maxTraces: d.TRACE_BUFFER_TRACES,
      maxNotes: d.TRACE_BUFFER_NOTES,
      keepMs: d.TRACE_BUFFER_MS,
      causeMs: d.TRACE_KEEP_MS,
      maxBytes: d.TRACE_BUFFER_BYTES,
    },
    flowBufferBytes: d.TRACE_FLOW_BUFFER_BYTES,
    flagsRefreshMs: d.TRACE_FLAGS_REFRESH_S * 1000,
    otlpUrl: d.OTLP_URL,
  })
)
