/**
 * `npm run demo` as a process (`node … tools/demo/src/main.ts`) with flags it must not run with:
 * `--help` prints the usage and exits 0, a wrong flag or a positional prints one line and exits 2
 * — neither touches a stack. The gateway address is a port nothing listens on and the data folder
 * an empty one, with `--no-start` so that a demo that did try to run fails at once (exit 1)
 * instead of starting the embedded stack; nothing may be written to the data folder
 * (demo-stack.log, api-keys.json). No Postgres or NATS needed.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { DEMO_USAGE } from './cli';

const ROOT = path.resolve(__dirname, '../../..');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

describe('npm run demo with --help or a wrong flag', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'notify-demo-cli-'));

  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  /** Runs the demo with `args`, its stack nowhere (GATEWAY_ADDR 127.0.0.1:1, an empty NOTIFY_DATA_DIR). */
  function demo(args: string[]): Promise<Run> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, ['-r', path.join(ROOT, 'tools/runtime/swc-register.js'), path.join(ROOT, 'tools/demo/src/main.ts'), ...args], {
        cwd: ROOT,
        env: {
          PATH: process.env['PATH'] ?? '',
          NOTIFY_DATA_DIR: dataDir,
          STACK_INFO_FILE: path.join(dataDir, 'stack.json'),
          GATEWAY_ADDR: '127.0.0.1:1',
          NO_COLOR: '1',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      child.once('error', reject);
      child.once('exit', (code) => {
        clearTimeout(timer);
        resolve({ code, stdout, stderr });
      });
    });
  }

  it('--help (and -h) prints the usage on stdout and exits 0 without running', async () => {
    for (const flag of ['--help', '-h']) {
      const run = await demo(['--no-start', flag]);
      expect([run.code, run.stderr]).toEqual([0, '']);
      expect(run.stdout).toBe(DEMO_USAGE);
    }
    expect(readdirSync(dataDir)).toEqual([]);
  }, 60_000);

  it('a misspelt flag (QA: --keep-ticket) or a positional: one line on stderr, exit 2, nothing run', async () => {
    const misspelt = await demo(['--no-start', '--keep-ticket']);
    expect(misspelt).toEqual({ code: 2, stdout: '', stderr: 'demo: unknown option --keep-ticket, did you mean --keep-tickets? (see npm run demo -- --help)\n' });
    const positional = await demo(['--no-start', 'step2']);
    expect(positional).toEqual({ code: 2, stdout: '', stderr: 'demo: unexpected argument "step2": the demo takes flags only (see npm run demo -- --help)\n' });
    expect(readdirSync(dataDir)).toEqual([]);
  }, 60_000);

  it('the flags it knows still run the demo (here: --no-start fails, nothing answers)', async () => {
    const run = await demo(['--json', '--no-start', '--keep-tickets']);
    expect(run).toEqual({ code: 1, stdout: '', stderr: 'demo: nothing answers on 127.0.0.1:1 (--no-start)\n' });
  }, 60_000);
});
