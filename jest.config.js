// Test tiers are chosen by file suffix: *.unit.spec.ts, *.int.spec.ts, *.e2e.spec.ts.
// Nest 12 and a few of its dependencies ship ES modules only; jest's CommonJS runtime
// cannot require them, so @swc/jest compiles those packages to CommonJS as well.
const esmPackages = [
  '@nestjs',
  '@formatjs',
  'intl-messageformat',
  'jose',
  'commander',
  'uid',
  'file-type',
  'strtok3',
  'token-types',
  'peek-readable',
  '@tokenizer',
  'load-esm',
  'uint8array-extras',
  '@borewit',
  'oidc-provider',
];
const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2022',
    },
    module: { type: 'commonjs' },
    sourceMaps: 'inline',
  },
];
const common = {
  transform: { '^.+\\.(t|j|mj|cj)s$': swc },
  transformIgnorePatterns: [`/node_modules/(?!(${esmPackages.join('|')})/)`],
  moduleFileExtensions: ['ts', 'js', 'mjs', 'cjs', 'json'],
  testEnvironment: 'node',
  setupFiles: ['<rootDir>/test/support/seed.ts'],
};
// Integration and e2e tests spawn dist/: build it first when the sources are newer.
const freshBuild = '<rootDir>/test/support/fresh-build.js';
module.exports = {
  testTimeout: 60000,
  // Jest's default is one worker on two cores; most e2e time is waiting on spawned processes and
  // conditions, so two files at a time roughly halve the run. Each file owns its database,
  // queue prefix and ports, so files do not meet.
  maxWorkers: 2,
  // One run id and seed for the whole run; the teardown removes the run's databases and Redis keys.
  globalSetup: '<rootDir>/test/support/global-setup.js',
  globalTeardown: '<rootDir>/test/support/global-teardown.js',
  reporters: ['default', '<rootDir>/test/support/seed-reporter.js'],
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/src/**/*.unit.spec.ts', '<rootDir>/test/**/*.unit.spec.ts'] },
    { ...common, displayName: 'int', globalSetup: freshBuild, testMatch: ['<rootDir>/src/**/*.int.spec.ts', '<rootDir>/test/**/*.int.spec.ts'] },
    { ...common, displayName: 'e2e', globalSetup: freshBuild, testMatch: ['<rootDir>/test/**/*.e2e.spec.ts'] },
  ],
};
