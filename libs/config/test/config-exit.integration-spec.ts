// A service started with a wrong environment says which variables to fix, on stderr, and exits 1
// without a stack trace (loadConfigOrExit in each service's instrumentation.ts, loaded first).
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

const root = path.resolve(__dirname, '../../..');

describe.each(['ticket', 'customer', 'template', 'scheduler', 'gateway'])('%s with a wrong environment', (service) => {
  it('prints the bad variables without a stack and exits 1', () => {
    const run = spawnSync(process.execPath, ['-r', './tools/runtime/swc-register.js', `services/${service}/src/main.ts`], {
      cwd: root,
      env: { PATH: process.env['PATH'], NOTIFY_API_KEYS: 'short:admin', GRPC_PORT: 'not-a-port' },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(new RegExp(`^${service}: Invalid configuration: \\d+ environment variables? (is|are) wrong\\n`));
    expect(run.stderr).toContain('  GRPC_PORT: ');
    expect(run.stderr).toContain('  NOTIFY_API_KEYS: ');
    expect(run.stderr).not.toMatch(/\n\s+at /); // no stack frames
  });
});
