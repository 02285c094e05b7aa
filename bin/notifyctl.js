#!/usr/bin/env node
// notifyctl: the operator CLI over the Notify gRPC APIs (tools/notifyctl, README there).
// `npx notifyctl --help`, `npm run notifyctl -- tickets list`.
//
// From a checkout (dev dependencies installed) the TypeScript source runs directly through
// the workspace's register hook (tools/runtime/swc-register.js: @swc/core + the @notify/*
// path aliases); where @swc/core is missing (a production image) the compiled
// dist/tools/notifyctl/src/main.js from `npm run build` runs, with the aliases resolved by
// tools/runtime/register-paths.js.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

require(path.join(path.resolve(__dirname, '..'), 'tools', 'runtime', 'require-node24.js')).requireNode24(path.resolve(__dirname, '..'), 'notifyctl');

const root = path.resolve(__dirname, '..');
let hasSwc = true;
try {
  require.resolve('@swc/core', { paths: [root] });
} catch {
  hasSwc = false;
}

if (hasSwc) {
  require(path.join(root, 'tools', 'runtime', 'swc-register.js'));
  require(path.join(root, 'tools', 'notifyctl', 'src', 'main.ts'));
} else {
  const dist = path.join(root, 'dist', 'tools', 'notifyctl', 'src', 'main.js');
  if (!fs.existsSync(dist)) {
    process.stderr.write(`notifyctl: neither @swc/core nor ${dist} is available; run \`npm run build\` first\n`);
    process.exit(1);
  }
  require(path.join(root, 'tools', 'runtime', 'register-paths.js'));
  require(dist);
}
