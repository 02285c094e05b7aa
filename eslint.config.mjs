// ESLint flat config. The Nx module-boundary rule enforces the layering:
//   type:contract  (proto, events, errors, paging, phone, work-zone, provider-contracts) -> contract
//   type:platform  (config, logger, telemetry, grpc-kit, messaging, db, batching) -> platform, contract
//   type:testing   (testing, provider-sim)    -> platform, contract, testing
//   type:service   (services/*)               -> platform, contract, testing; never another service
//   type:composition (tools/stack)            -> platform, contract, testing + the services' server/config modules
// Libraries are imported only through their `@notify/<lib>` barrels.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import nx from '@nx/eslint-plugin';
import prettier from 'eslint-config-prettier';

export default tseslint.config(
  {
    ignores: ['**/node_modules/**', '**/dist/**', '.tools/**', '.nx/**', 'libs/proto/src/gen/**', 'coverage/**', '**/*.js', '**/*.mjs', '**/*.cjs'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    files: ['**/*.ts'],
    plugins: { '@nx': nx },
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allow: [],
          depConstraints: [
            { sourceTag: 'type:contract', onlyDependOnLibsWithTags: ['type:contract'] },
            { sourceTag: 'type:platform', onlyDependOnLibsWithTags: ['type:platform', 'type:contract'] },
            { sourceTag: 'type:testing', onlyDependOnLibsWithTags: ['type:platform', 'type:contract', 'type:testing'] },
            { sourceTag: 'type:service', onlyDependOnLibsWithTags: ['type:platform', 'type:contract', 'type:testing'] },
            { sourceTag: 'type:tool', onlyDependOnLibsWithTags: ['type:platform', 'type:contract', 'type:testing'] },
          ],
        },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  {
    // Tests of platform and contract libraries may use the test fixtures (libs/testing);
    // their production code still may not.
    files: ['libs/**/test/**/*.ts', 'libs/**/*.spec.ts', 'libs/**/*.integration-spec.ts'],
    plugins: { '@nx': nx },
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allow: [],
          depConstraints: [
            { sourceTag: 'type:contract', onlyDependOnLibsWithTags: ['type:contract', 'type:testing'] },
            { sourceTag: 'type:platform', onlyDependOnLibsWithTags: ['type:platform', 'type:contract', 'type:testing'] },
            { sourceTag: 'type:testing', onlyDependOnLibsWithTags: ['type:platform', 'type:contract', 'type:testing'] },
          ],
        },
      ],
    },
  },
  {
    // tools/stack (`npm start`) composes the five services in one process: the one place
    // allowed to import services' code, and only each service's composition root and config.
    files: ['tools/stack/**/*.ts'],
    plugins: { '@nx': nx },
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allow: ['ticket', 'customer', 'template', 'scheduler', 'gateway'].flatMap((s) => [
            `../../../services/${s}/src/server`,
            `../../../services/${s}/src/config`,
          ]),
          depConstraints: [{ sourceTag: 'type:composition', onlyDependOnLibsWithTags: ['type:platform', 'type:contract', 'type:testing'] }],
        },
      ],
    },
  },
  {
    files: ['**/*.spec.ts', '**/*.integration-spec.ts', '**/*.e2e-spec.ts', '**/test/**/*.ts'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off' },
  },
);
