import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { inspectStackInfoFile, readStackAdminKey, readStackInfoFile, stackInfoFilePath, writeStackInfoFile, type StackInfoFile } from '../src';

describe('stack info file (stack.json)', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'stack-info-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const info = (pid: number): StackInfoFile => ({
    pid,
    startedAt: '2026-12-06T00:00:00.000Z',
    runner: 'npm start',
    database: { mode: 'external', url: 'postgres://postgres@127.0.0.1:5432/postgres' },
    events: { mode: 'in-process' },
    providers: { mode: 'real' },
    grpc: { template: '127.0.0.1:1', customer: '127.0.0.1:2', ticket: '127.0.0.1:3', scheduler: '127.0.0.1:4', gateway: '127.0.0.1:5' },
    webhookUrl: 'http://127.0.0.1:6',
    ports: { grpc: { template: 1, customer: 2, ticket: 3, scheduler: 4, gateway: 5 }, webhook: 6, sims: { fonnte: 7, wablas: 8, twilio: 9, advanta: 10 } },
    dataRoot: dir,
    apiKeys: { source: 'generated', file: path.join(dir, 'api-keys.json') },
  });

  it('path: STACK_INFO_FILE (relative to the base folder) or <dataRoot>/stack.json', () => {
    expect(stackInfoFilePath({}, dir)).toBe(path.join(dir, 'stack.json'));
    expect(stackInfoFilePath({ STACK_INFO_FILE: 'x/s.json' }, dir, '/base')).toBe('/base/x/s.json');
    expect(stackInfoFilePath({ STACK_INFO_FILE: '/abs/s.json' }, dir, '/base')).toBe('/abs/s.json');
  });

  it("reads a running stack's file, and nothing for a stopped stack's, a missing or a malformed file", () => {
    const file = path.join(dir, 'stack.json');
    expect(readStackInfoFile(file)).toBeUndefined(); // none
    writeStackInfoFile(file, info(process.pid));
    expect(readStackInfoFile(file)).toEqual(info(process.pid));
    // A process that has exited: its pid is free (a stack killed without cleaning up).
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    writeStackInfoFile(file, info(Number(gone.stdout)));
    expect(readStackInfoFile(file)).toBeUndefined();
    writeFileSync(file, '{"pid": "12"');
    expect(readStackInfoFile(file)).toBeUndefined();
    writeFileSync(file, JSON.stringify({ ...info(process.pid), pid: 'x' }));
    expect(readStackInfoFile(file)).toBeUndefined();
  });

  it('tells a stale file (its process gone) from a missing and an invalid one', () => {
    const file = path.join(dir, 'stack.json');
    expect(inspectStackInfoFile(file)).toEqual({ state: 'missing', file });
    writeStackInfoFile(file, info(process.pid));
    expect(inspectStackInfoFile(file)).toEqual({ state: 'running', file, info: info(process.pid) });
    const gone = Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout);
    writeStackInfoFile(file, info(gone));
    expect(inspectStackInfoFile(file)).toEqual({ state: 'stale', file, pid: gone, info: info(gone) });
    writeFileSync(file, 'not json');
    expect(inspectStackInfoFile(file)).toEqual({ state: 'invalid', file });
  });

  it("reads the admin key from the key file the info file names, or says why there is none", () => {
    const keys = path.join(dir, 'elsewhere', 'api-keys.json');
    const withFile: StackInfoFile = { ...info(process.pid), apiKeys: { source: 'generated', file: keys } };
    expect(readStackAdminKey(withFile)).toEqual({ why: `its key file ${keys} cannot be read` });
    mkdirSync(path.dirname(keys));
    writeFileSync(keys, JSON.stringify({ admin: ' admin-key-0000000001 ', service: 's' }));
    expect(readStackAdminKey(withFile)).toEqual({ key: 'admin-key-0000000001' });
    writeFileSync(keys, JSON.stringify({ service: 's' }));
    expect(readStackAdminKey(withFile)).toEqual({ why: `its key file ${keys} has no admin key` });
    expect(readStackAdminKey({ ...info(process.pid), apiKeys: { source: 'environment' } }).why).toMatch(/NOTIFY_API_KEYS in its environment/);
  });
});
