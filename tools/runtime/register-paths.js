// Resolves `@notify/<lib>` imports at run time for code compiled by `npm run build`
// (tsc keeps the repo layout under dist/). Loaded with `node -r ./tools/runtime/register-paths.js`.
const path = require('node:path');
const tsconfigPaths = require('tsconfig-paths');
const { compilerOptions } = require('../../tsconfig.base.json');

tsconfigPaths.register({
  baseUrl: path.resolve(__dirname, '../../dist'),
  paths: compilerOptions.paths,
});
