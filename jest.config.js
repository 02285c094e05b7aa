// One Jest configuration for the whole workspace, two projects:
//   unit        *.spec.ts              no I/O
//   integration *.integration-spec.ts  real Postgres and NATS JetStream on loopback
//   e2e         *.e2e-spec.ts          services as separate processes
// TypeScript is transpiled by @swc/jest; types are checked separately by `tsc --noEmit`.
const { compilerOptions } = require('./tsconfig.base.json');

const moduleNameMapper = {};
for (const [alias, [target]] of Object.entries(compilerOptions.paths)) {
  moduleNameMapper[`^${alias}$`] = `<rootDir>/${target}`;
}
const transform = {
  '^.+\\.ts$': [
    '@swc/jest',
    {
      jsc: {
        parser: { syntax: 'typescript', decorators: true },
        transform: { legacyDecorator: true, decoratorMetadata: true },
        target: 'es2022',
      },
      module: { type: 'commonjs' },
    },
  ],
};
const common = {
  rootDir: __dirname,
  transform,
  moduleNameMapper,
  testEnvironment: 'node',
  testPathIgnorePatterns: ['/node_modules/', '/dist/', '/.tools/'],
};

module.exports = {
  // One timeout for every test without its own (jest-circus reads it from the global config
  // only: a project's `testTimeout` is ignored, and the integration tests that relied on one ran
  // at the 5 s default, which a loaded CI machine exceeded). Slow tests pass their own.
  testTimeout: 60000,
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/{libs,services,tools}/**/*.spec.ts'] },
    { ...common, displayName: 'integration', testMatch: ['<rootDir>/{libs,services,tools}/**/*.integration-spec.ts'] },
    { ...common, displayName: 'e2e', testMatch: ['<rootDir>/tests/**/*.e2e-spec.ts'] },
  ],
};
