import * as path from 'node:path';
import { readAdminKeyFile, readStackAdminKey, type StackInfoFile } from '@notify/config';

/**
 * The demo's admin key: `NOTIFY_API_KEY`, else the admin key of the running stack found through
 * its info file (`info`: the key file stack.json names, `apiKeys.file` — wherever its data folder
 * is, e.g. with STACK_INFO_FILE; the reader notifyctl uses, @notify/config readStackAdminKey),
 * else — no running stack's info file — the `admin` of `<dataDir>/api-keys.json` (what `npm start`
 * generates there). Throws saying where it looked and why there is none.
 */
export function demoApiKey(env: NodeJS.ProcessEnv, info: StackInfoFile | undefined, dataDir: string, infoFile: string): string {
  const fromEnv = env['NOTIFY_API_KEY']?.trim();
  if (fromEnv) return fromEnv;
  const fix = 'set NOTIFY_API_KEY (the admin key `npm start` printed)';
  if (info) {
    const found = readStackAdminKey(info);
    if (found.key) return found.key;
    throw new Error(`no API key: ${fix}; the stack running per ${infoFile} has none to read: ${found.why}`);
  }
  const file = path.join(dataDir, 'api-keys.json');
  const saved = readAdminKeyFile(file);
  if (saved.key) return saved.key;
  throw new Error(`no API key: ${fix}, or run the demo against a stack whose ${infoFile} names its key file, or where ${file} exists`);
}
