import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { Env, ServiceName } from '@notify/config';
import type { SimName, StackKeys, StackPorts } from './stack-env';

/**
 * `<NOTIFY_DATA_DIR>/stack.json` (or STACK_INFO_FILE): where a running stack listens, written
 * by `npm start` and `npm run start:services` once every service is SERVING and removed when
 * they stop. Scripts find the stack there (`npm run demo` reads pid, grpc, webhookUrl,
 * providers, database.url and rateLimit). No key is written (the generated ones are in
 * api-keys.json, named by `apiKeys.file`). The database URL is written as given (the demo
 * needs it for its step 6), so the file is created 0600.
 */
export interface StackInfoFile {
  /** The process to signal to stop the stack (the runner for start:services). */
  readonly pid: number;
  readonly startedAt: string;
  /** Which command runs the stack. */
  readonly runner: 'npm start' | 'start:services';
  readonly database: { readonly mode: 'embedded'; readonly url: string; readonly dataDir: string } | { readonly mode: 'external'; readonly url: string };
  readonly events: { readonly mode: 'in-process' } | { readonly mode: 'nats'; readonly url: string };
  /**
   * `simulators`: the URLs the gateway sends to (npm start runs the simulators; start:services
   * expects `npm run sim` there, see `simCommand`). `real`: provider credentials are set.
   */
  readonly providers:
    | { readonly mode: 'simulators'; readonly urls: Readonly<Record<SimName, string>>; readonly simCommand?: string }
    | { readonly mode: 'real' };
  /** `127.0.0.1:<port>` per service. */
  readonly grpc: Readonly<Record<ServiceName, string>>;
  readonly webhookUrl: string;
  readonly ports: StackPorts;
  /** The gateway's per-recipient rate limit (see embedded-stack EmbeddedStackInfo). */
  readonly rateLimit?: { readonly perRecipient: number; readonly windowMs: number; readonly chosen: boolean };
  /** NOTIFY_DATA_DIR, absolute. */
  readonly dataRoot: string;
  /** Where the API keys come from; `file`: the generated keys' api-keys.json. */
  readonly apiKeys: { readonly source: StackKeys['source']; readonly file?: string };
  /** start:services: the pid of each service process. */
  readonly servicePids?: Readonly<Partial<Record<ServiceName, number>>>;
}

/** STACK_INFO_FILE, else `<dataRoot>/stack.json`. */
export function stackInfoFilePath(env: Env, dataRoot: string): string {
  return path.resolve(env['STACK_INFO_FILE'] ?? path.join(dataRoot, 'stack.json'));
}

/** The `apiKeys` entry of the info file. */
export function apiKeysInfo(keys: StackKeys, dataRoot: string): StackInfoFile['apiKeys'] {
  return keys.source === 'environment' ? { source: keys.source } : { source: keys.source, file: path.join(dataRoot, 'api-keys.json') };
}

/** Writes `info` to `file` (0600, its folder created). */
export function writeStackInfoFile(file: string, info: StackInfoFile): void {
  mkdirSync(path.dirname(file), { recursive: true });
  rmSync(file, { force: true }); // a file left by an older stack keeps its mode: start afresh
  writeFileSync(file, JSON.stringify(info, null, 2) + '\n', { mode: 0o600 });
}

/**
 * Removes `file` when it is the one process `pid` wrote: a stack started later on the same data
 * folder (STACK_PORTS=auto) rewrote it, and its file stays while it runs.
 */
export function removeStackInfoFile(file: string, pid: number = process.pid): void {
  let owner: unknown;
  try {
    owner = (JSON.parse(readFileSync(file, 'utf8')) as { pid?: unknown }).pid;
  } catch {
    return; // gone, or not ours to judge
  }
  if (owner === pid) rmSync(file, { force: true });
}
