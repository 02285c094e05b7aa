/**
 * The Nx module-boundary rule (eslint.config.mjs) really enforces the layering:
 * contract libs depend on contract libs only, platform libs never on services or test
 * fixtures in production code, and a service never imports another service's code.
 * Lints source text as if it were a file of the named project.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');

beforeAll(() => {
  // The rule reads the cached project graph; build it as the test command does.
  execFileSync(path.join(ROOT, 'node_modules/.bin/nx'), ['show', 'projects'], { cwd: ROOT, stdio: 'ignore' });
}, 60_000);

async function boundaryErrors(file: string, code: string): Promise<string[]> {
  // ESLint runs as its own process: its flat config is an ES module, which Jest's module
  // registry cannot import.
  const run = spawnSync(path.join(ROOT, 'node_modules/.bin/eslint'), ['--stdin', '--stdin-filename', path.join(ROOT, file), '--format', 'json'], {
    cwd: ROOT,
    input: code,
    encoding: 'utf8',
  });
  const [result] = JSON.parse(run.stdout) as Array<{ messages: Array<{ ruleId: string | null; message: string }> }>;
  return result!.messages.filter((m) => m.ruleId === '@nx/enforce-module-boundaries').map((m) => m.message);
}

describe('module boundaries', () => {
  it('allows a service to use platform and contract libs', async () => {
    await expect(
      boundaryErrors('services/ticket/src/zz-probe.ts', "import { createDataSource } from '@notify/db';\nimport { ticketv1 } from '@notify/proto';\nexport const x = [createDataSource, ticketv1];\n"),
    ).resolves.toEqual([]);
  });

  it("forbids a service importing another service's code", async () => {
    const errors = await boundaryErrors('services/ticket/src/zz-probe.ts', "import * as c from '../../customer/src/config';\nexport const x = c;\n");
    expect(errors.length).toBe(1);
  });

  it('forbids a contract lib depending on a platform lib', async () => {
    const errors = await boundaryErrors('libs/events/src/zz-probe.ts', "import { createDataSource } from '@notify/db';\nexport const x = createDataSource;\n");
    expect(errors.join()).toMatch(/type:contract/);
  });

  it('forbids platform production code depending on test fixtures, but lets its tests', async () => {
    const code = "import { waitFor } from '@notify/testing';\nexport const x = waitFor;\n";
    expect((await boundaryErrors('libs/db/src/zz-probe.ts', code)).join()).toMatch(/type:platform/);
    await expect(boundaryErrors('libs/db/test/zz-probe.ts', code)).resolves.toEqual([]);
  });
});
