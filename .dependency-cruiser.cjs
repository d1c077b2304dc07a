/**
 * Dependency rules (docs/architecture.md §7), checked by `npm run lint`:
 * - no import cycles;
 * - no function imports another function's folder (what two functions share lives in shared/);
 * - shared/sip and shared/ims stay pure: they reach no store, hop, log, clock, config or Node
 *   built-in, and no package other than the XML parser and the RE2 engine;
 * - storage SDKs only inside shared/vellum.
 * The same purity rule for globals (fetch, Date, timers, console) is Biome's
 * noRestrictedGlobals override in biome.json.
 */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'An import cycle: break it by moving the shared piece into its own module.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'no-cross-function',
      severity: 'error',
      comment: "A function imports another function's folder: move the shared code to shared/.",
      from: { path: '^functions/([^/]+)/' },
      to: { path: '^functions/([^/]+)/', pathNot: '^functions/$1/' },
    },
    {
      name: 'pure-sip-ims',
      severity: 'error',
      comment: 'shared/sip and shared/ims are pure: no I/O, clock, config or logging.',
      from: { path: '^shared/(sip|ims)/', pathNot: '\\.test\\.ts$' },
      to: {
        path: '^(shared/(vellum|hop|http|log|config)|functions|edge|infra)/|^node_modules/(?!(fast-xml-parser|re2js)/)',
      },
    },
    {
      name: 'pure-sip-ims-builtins',
      severity: 'error',
      comment: 'shared/sip and shared/ims are pure: no Node built-ins.',
      from: { path: '^shared/(sip|ims)/', pathNot: '\\.test\\.ts$' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'sdk-only-in-vellum',
      severity: 'error',
      comment: 'Storage SDKs are imported only in shared/vellum.',
      from: { path: '^(edge|functions|shared/(?!vellum/))' },
      to: { path: '^node_modules/(@aws-sdk|@upstash)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|dist|\\.local)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default'],
    },
  },
}
