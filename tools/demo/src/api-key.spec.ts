import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { readStackInfoFile, writeStackInfoFile, type StackInfoFile } from '@notify/config';
import { demoApiKey } from './api-key';

describe("demoApiKey (the demo's admin key)", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'demo-key-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** A running stack's stack.json (this process stands for the stack) in another data folder, naming its key file. */
  const stackIn = (dataRoot: string, apiKeys: StackInfoFile['apiKeys']): { file: string; info: StackInfoFile } => {
    const file = path.join(dataRoot, 'stack.json');
    const grpc = { ticket: '127.0.0.1:1', customer: '127.0.0.1:2', template: '127.0.0.1:3', scheduler: '127.0.0.1:4', gateway: '127.0.0.1:5' };
    writeStackInfoFile(file, {
      pid: process.pid,
      startedAt: new Date().toISOString(),
      runner: 'npm start',
      database: { mode: 'external', url: 'postgres://postgres@127.0.0.1:5432/test' },
      events: { mode: 'in-process' },
      providers: { mode: 'real' },
      grpc,
      webhookUrl: 'http://127.0.0.1:6',
      ports: { grpc: { ticket: 1, customer: 2, template: 3, scheduler: 4, gateway: 5 }, webhook: 6, sims: { fonnte: 7, wablas: 8, twilio: 9, advanta: 10 } },
      dataRoot,
      apiKeys,
    });
    return { file, info: readStackInfoFile(file)! };
  };

  it("STACK_INFO_FILE elsewhere: the key file that stack.json names, not <NOTIFY_DATA_DIR>/api-keys.json", () => {
    const qaData = path.join(dir, 'qa', 'data');
    mkdirSync(qaData, { recursive: true });
    writeFileSync(path.join(qaData, 'api-keys.json'), JSON.stringify({ admin: 'admin-of-the-qa-stack', service: 's' }));
    const { file, info } = stackIn(qaData, { source: 'generated', file: path.join(qaData, 'api-keys.json') });
    const defaultDataDir = path.join(dir, '.notify-data'); // no api-keys.json there
    expect(demoApiKey({}, info, defaultDataDir, file)).toBe('admin-of-the-qa-stack');
    expect(demoApiKey({ NOTIFY_API_KEY: ' from-env ' }, info, defaultDataDir, file)).toBe('from-env');
  });

  it('says why there is no key: a stack with keys from its environment, or no stack and no api-keys.json', () => {
    const { file, info } = stackIn(dir, { source: 'environment' });
    expect(() => demoApiKey({}, info, dir, file)).toThrow(`no API key: set NOTIFY_API_KEY (the admin key \`npm start\` printed); the stack running per ${file} has none to read: the stack took its keys from NOTIFY_API_KEYS in its environment`);
    expect(() => demoApiKey({}, undefined, dir, file)).toThrow(`or where ${path.join(dir, 'api-keys.json')} exists`);
    // No stack.json found: npm start's data folder, as before.
    writeFileSync(path.join(dir, 'api-keys.json'), JSON.stringify({ admin: 'admin-in-data-dir' }));
    expect(demoApiKey({}, undefined, dir, file)).toBe('admin-in-data-dir');
  });
});
