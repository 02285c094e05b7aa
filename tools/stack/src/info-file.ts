import * as path from 'node:path';
import type { StackInfoFile } from '@notify/config';
import type { StackKeys } from './stack-env';

// The info file's format, path, writer and reader live in @notify/config (stack-info-file.ts),
// shared with the demo and notifyctl, which read it.
export { removeStackInfoFile, stackInfoFilePath, writeStackInfoFile, type StackInfoFile } from '@notify/config';

/** The `apiKeys` entry of the info file. */
export function apiKeysInfo(keys: StackKeys, dataRoot: string): StackInfoFile['apiKeys'] {
  return keys.source === 'environment' ? { source: keys.source } : { source: keys.source, file: path.join(dataRoot, 'api-keys.json') };
}
