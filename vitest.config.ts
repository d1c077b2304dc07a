import { defineConfig } from 'vitest/config'

/**
 * Two projects:
 * - `unit`: pure code beside the modules (`*.test.ts` under shared/, functions/, edge/, infra/).
 * - `integration`: suites under test/ that drive the two-region local cloud over its real ports.
 *   The global setup starts the cloud once (or reuses one already running from `npm start`),
 *   and files run one after another because they share the cloud, its clock and its regions.
 */
// The AWS SDK warns once per process that it will need Node 22 from 2027; Node 20 is supported
// here until then, and the warning would repeat in every worker.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: [
            'shared/**/*.test.ts',
            'functions/**/*.test.ts',
            'edge/**/*.test.ts',
            'infra/**/*.test.ts',
            'cli/**/*.test.ts',
          ],
          environment: 'node',
        },
      },
      {
        test: {
          name: 'integration',
          include: [
            'test/integration/**/*.test.ts',
            'test/security/**/*.test.ts',
            'test/interop/**/*.test.ts',
            'test/gr/**/*.test.ts',
            'test/e2e/**/*.test.ts',
          ],
          environment: 'node',
          globalSetup: ['test/support/global-setup.ts'],
          fileParallelism: false,
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
})
