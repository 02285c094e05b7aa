#!/usr/bin/env node
// Starts the Fonnte, Wablas, Twilio and Advanta simulators (libs/provider-sim/src/main.ts;
// environment variables are listed there).
//
// From a checkout (dev dependencies installed) the TypeScript source runs directly,
// transpiled on load by @swc/core (already used by Jest); where @swc/core is missing (a
// production image) the compiled dist/libs/provider-sim/src/main.js from `npm run build` runs.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

let swc = null;
try {
  swc = require('@swc/core');
} catch {
  swc = null;
}

if (swc) {
  const srcDir = path.resolve(__dirname, '..', 'src');
  require.extensions['.ts'] = function compileTs(module, filename) {
    const source = fs.readFileSync(filename, 'utf8');
    const { code } = swc.transformSync(source, {
      filename,
      sourceMaps: 'inline',
      jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
      module: { type: 'commonjs' },
    });
    module._compile(code, filename);
  };
  require(path.join(srcDir, 'main.ts'));
} else {
  const dist = path.resolve(__dirname, '..', '..', '..', 'dist', 'libs', 'provider-sim', 'src', 'main.js');
  if (!fs.existsSync(dist)) {
    process.stderr.write(`provider-sim: neither @swc/core nor ${dist} is available; run \`npm run build\` first\n`);
    process.exit(1);
  }
  require(dist);
}
