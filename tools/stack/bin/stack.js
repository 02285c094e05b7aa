#!/usr/bin/env node
// Runs a tools/stack entry point: `node tools/stack/bin/stack.js start` (npm start, all five
// services in one process) or `node tools/stack/bin/stack.js services` (npm run start:services,
// one child process per service).
//
// From a checkout (dev dependencies installed, as after `npm install`) the TypeScript source
// runs directly through the workspace's register hook (tools/runtime/swc-register.js: @swc/core
// + the @notify/* path aliases); where @swc/core is missing (a production install) the compiled
// dist/tools/stack/src/*.js from `npm run build` runs, the aliases resolved by
// tools/runtime/register-paths.js.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

require(path.join(path.resolve(__dirname, '..', '..', '..'), 'tools', 'runtime', 'require-node24.js')).requireNode24(path.resolve(__dirname, '..', '..', '..'), 'notify');

const entries = { start: 'start-embedded', services: 'start-services' };
const entry = entries[process.argv[2]];
if (!entry) {
  process.stderr.write(`usage: node tools/stack/bin/stack.js <${Object.keys(entries).join('|')}>\n`);
  process.exit(2);
}
const root = path.resolve(__dirname, '..', '..', '..');
let hasSwc = true;
try {
  require.resolve('@swc/core');
} catch {
  hasSwc = false;
}

let main;
if (hasSwc) {
  require(path.join(root, 'tools', 'runtime', 'swc-register.js'));
  main = path.join(root, 'tools', 'stack', 'src', `${entry}.ts`);
} else {
  main = path.join(root, 'dist', 'tools', 'stack', 'src', `${entry}.js`);
  if (!fs.existsSync(main)) {
    process.stderr.write(`stack: neither @swc/core nor ${main} is available; run \`npm install\` (or \`npm run build\`) first\n`);
    process.exit(1);
  }
  require(path.join(root, 'tools', 'runtime', 'register-paths.js'));
}
require(main).main();
