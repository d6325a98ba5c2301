import type { Config } from 'jest';

/**
 * NestJS 12 is ESM-only, so tests run in Jest's native ESM mode
 * (NODE_OPTIONS=--experimental-vm-modules, set by the npm scripts). SWC strips the types (with
 * legacy decorators and their metadata, which Nest's injection reads); `npm run typecheck` is
 * what checks them. Test files run in parallel workers, each on its own database
 * (test/support/jest/): docs/development.md says what a test must do to run beside others.
 */
const swc = [
  '@swc/jest',
  {
    swcrc: false,
    sourceMaps: 'inline',
    module: { type: 'es6' },
    jsc: {
      target: 'es2022',
      keepClassNames: true,
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: true },
    },
  },
] as const;

const common = {
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': swc as unknown as [string, Record<string, unknown>] },
  testEnvironment: '<rootDir>/test/support/jest/environment.mjs',
} satisfies Config;

/**
 * Files whose outcome cannot depend on the database under test: they start their own embedded
 * databases (or none) whatever TEST_DATABASE_URL says, as does every unit spec. With
 * SHIPWATCH_TEST_DATABASE_FILES_ONLY=1 a run leaves them and the unit project out: `.ci/run` sets
 * it on its PostgreSQL run, so that they run once, in its embedded run (the README's `npm test`).
 */
const DATABASE_INDEPENDENT = [
  '<rootDir>/test/e2e/cli-demo.e2e-spec.ts',
  '<rootDir>/test/e2e/embedded-data-dir-lock.e2e-spec.ts',
  '<rootDir>/test/integration/schema.integration-spec.ts',
  '<rootDir>/test/integration/verification-corpus.integration-spec.ts',
];
const UNIT = {
  ...common,
  displayName: 'unit',
  testMatch: [
    '<rootDir>/src/**/*.spec.ts',
    '<rootDir>/migrations/**/*.spec.ts',
    '<rootDir>/grafana/**/*.spec.ts',
    '<rootDir>/scripts/**/*.spec.ts',
    '<rootDir>/test/support/**/*.spec.ts',
  ],
};

const databaseFilesOnly = process.env.SHIPWATCH_TEST_DATABASE_FILES_ONLY === '1';
const skipped = databaseFilesOnly ? { testPathIgnorePatterns: DATABASE_INDEPENDENT } : {};

const config: Config = {
  // Real databases and processes on a shared 2-core machine: a generous limit, never timed assertions.
  testTimeout: 180_000,
  // Three test files at once on the 2-core CI machine: many files spend much of their time
  // waiting (Prometheus scrapes, bakes, a demo's pacing), and a third worker fills those gaps
  // (the whole embedded run: 785 s with two workers, 634 s with three, measured back to back).
  // `--maxWorkers=N` or `--runInBand` overrides it.
  maxWorkers: 3,
  // A worker's heap grows by about 27 MB per test file it runs (each file's modules: Nest,
  // TypeORM, Apollo; measured over ten files that each start a test app); past 100 files
  // its collector works far more than its tests. A worker over 1 GB after a file is replaced.
  workerIdleMemoryLimit: '1GB',
  // Files without a timing from an earlier run (a first run, CI's) go end-to-end first.
  testSequencer: '<rootDir>/test/support/jest/sequencer.mjs',
  globalSetup: '<rootDir>/test/support/jest/global-setup.mjs',
  globalTeardown: '<rootDir>/test/support/jest/global-teardown.mjs',
  projects: [
    ...(databaseFilesOnly ? [] : [UNIT]),
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/integration/**/*.integration-spec.ts'],
      ...skipped,
    },
    {
      ...common,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/e2e/**/*.e2e-spec.ts'],
      ...skipped,
    },
  ],
};

export default config;
