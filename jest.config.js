// Test tiers are chosen by file suffix: *.unit.spec.ts, *.int.spec.ts, *.e2e.spec.ts.
// Nest 12 and a few of its dependencies ship ES modules only; jest's CommonJS runtime
// cannot require them, so @swc/jest compiles those packages to CommonJS as well.
const esmPackages = [
  '@nestjs', 'jose', 'commander', 'uid', 'file-type', 'strtok3', 'token-types',
  'peek-readable', '@tokenizer', 'load-esm', 'uint8array-extras', '@borewit',
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
};
module.exports = {
  testTimeout: 60000,
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/src/**/*.unit.spec.ts', '<rootDir>/test/**/*.unit.spec.ts'] },
    { ...common, displayName: 'int', testMatch: ['<rootDir>/src/**/*.int.spec.ts', '<rootDir>/test/**/*.int.spec.ts'] },
    { ...common, displayName: 'e2e', testMatch: ['<rootDir>/test/**/*.e2e.spec.ts'] },
  ],
};
