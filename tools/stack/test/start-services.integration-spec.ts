/**
 * `npm run start:services` (tools/stack/bin/stack.js services) runs the services as separate
 * processes against an external Postgres and NATS: without DATABASE_URL / NATS_URL it must
 * refuse at once with a message naming what is missing and pointing at `npm start`, start
 * nothing and exit 2. With them (the real loopback Postgres and NATS, schemas and namespace of
 * this test) the five processes come up SERVING, and a Ctrl-C stops them all with exit 0.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import { checkHealth, createTestNats, testEnv, uniqueName, waitFor } from '@notify/testing';
import { checkExternalDependencies, missingDependencyMessage } from '../src/start-services';

const ROOT = path.resolve(__dirname, '../../..');

function runStartServices(env: Record<string, string | undefined>): { status: number | null; stderr: string; stdout: string } {
  const base: NodeJS.ProcessEnv = { ...process.env, STACK_PORTS: 'auto' };
  delete base['DATABASE_URL'];
  delete base['NATS_URL'];
  const run = spawnSync(process.execPath, [path.join(ROOT, 'tools/stack/bin/stack.js'), 'services'], {
    cwd: ROOT,
    env: { ...base, ...env } as NodeJS.ProcessEnv,
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { status: run.status, stderr: run.stderr, stdout: run.stdout };
}

describe('npm run start:services without an external Postgres / NATS', () => {
  it('names both missing variables, points at npm start, starts nothing and exits 2', () => {
    const run = runStartServices({});
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('DATABASE_URL and NATS_URL are not set');
    expect(run.stderr).toContain('npm start');
    expect(run.stdout).not.toMatch(/\[(ticket|customer|template|scheduler|gateway)\]/);
  });

  it('names only DATABASE_URL when NATS_URL is set', () => {
    const run = runStartServices({ NATS_URL: 'nats://127.0.0.1:4222' });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('start:services: DATABASE_URL is not set');
    expect(run.stderr).not.toContain('NATS_URL is not set');
  });

  it('treats blank values as unset', () => {
    expect(checkExternalDependencies({ DATABASE_URL: '  ', NATS_URL: 'nats://127.0.0.1:4222' })).toEqual(['DATABASE_URL']);
    expect(checkExternalDependencies({ DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/postgres', NATS_URL: 'nats://127.0.0.1:4222' })).toEqual([]);
    expect(missingDependencyMessage(['NATS_URL'])).toMatch(/^start:services: NATS_URL is not set\./);
  });
});

describe('npm run start:services with DATABASE_URL and NATS_URL', () => {
  const prefix = uniqueName('stack');
  const services = ['template', 'customer', 'ticket', 'scheduler', 'gateway'] as const;
  const nats = createTestNats('stack');
  const dataDir = mkdtempSync(path.join(tmpdir(), 'notify-services-'));

  afterAll(async () => {
    const pg = new Client({ connectionString: testEnv().databaseUrl });
    await pg.connect();
    try {
      for (const s of services) {
        await pg.query(`DROP SCHEMA IF EXISTS "${prefix}_${s}" CASCADE`);
      }
      await pg.query(`DROP SCHEMA IF EXISTS "${prefix}_scheduler_boss" CASCADE`);
    } finally {
      await pg.end();
    }
    await nats.cleanup();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('starts the five services as processes (migrations first, each SERVING) and Ctrl-C stops them all, exit 0', async () => {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      DATABASE_URL: testEnv().databaseUrl,
      NATS_URL: nats.url,
      NATS_NAMESPACE: nats.namespace,
      STACK_PORTS: 'auto',
      NOTIFY_DATA_DIR: dataDir,
      SHUTDOWN_GRACE_MS: '5000',
    };
    delete env['NOTIFY_API_KEYS'];
    delete env['SERVICE_API_KEY'];
    for (const s of services) env[`${s.toUpperCase()}_DATABASE_SCHEMA`] = `${prefix}_${s}`;
    // Its own process group, like a terminal job: the SIGINT below goes to the whole group.
    const child = spawn(process.execPath, [path.join(ROOT, 'tools/stack/bin/stack.js'), 'services'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let output = '';
    child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      await waitFor(() => output.includes('Ctrl-C stops them all') || child.exitCode !== null, { timeoutMs: 75_000, intervalMs: 250 });
      expect(child.exitCode).toBeNull();
      for (const s of services) {
        const addr = new RegExp(`  ${s}\\s+(127\\.0\\.0\\.1:\\d+)`).exec(output)?.[1];
        expect(addr).toBeDefined();
        await expect(checkHealth(addr!, '', 5_000)).resolves.toBe('SERVING');
        expect(output).toMatch(new RegExp(`^\\[${s}\\]`, 'm'));
      }
      expect(output).toMatch(/\[ticket\]\s+\{.*ticket migrations applied/);
      expect(output).toMatch(/API key\s+admin-\S+ \(admin\)/);

      process.kill(-child.pid!, 'SIGINT');
      await expect(exited).resolves.toBe(0);
      expect(output).not.toMatch(/exited (unexpectedly|with)/);
    } finally {
      // On a failure above: SIGTERM lets the runner stop its service processes (own groups).
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 20_000).unref())]);
      }
    }
  }, 90_000);
});
