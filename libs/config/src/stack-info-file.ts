import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { Env } from './load-config';
import type { ServiceName } from './service-env.schema';

/** Simulator names and their default ports (libs/provider-sim: 8091…8094). */
export const SIM_DEFAULT_PORTS = { fonnte: 8091, wablas: 8092, twilio: 8093, advanta: 8094 } as const;
export type SimName = keyof typeof SIM_DEFAULT_PORTS;

/** The ports of one local stack: gRPC per service, the gateway's webhook server, the simulators. */
export interface StackPorts {
  readonly grpc: Readonly<Record<ServiceName, number>>;
  readonly webhook: number;
  readonly sims: Readonly<Record<SimName, number>>;
}

/** Where a local stack's API keys come from (the stack's banner says the same). */
export type StackKeySource = 'environment' | 'generated' | 'data folder';

/**
 * `<NOTIFY_DATA_DIR>/stack.json` (or STACK_INFO_FILE): where a running local stack listens,
 * written by `npm start` and `npm run start:services` (tools/stack) once every service is
 * SERVING and removed when they stop; read by `npm run demo` and `notifyctl` to find it
 * ({@link readStackInfoFile}). No key is written (the generated ones are in api-keys.json, named
 * by `apiKeys.file`). The database URL is written as given (the demo needs it for its step 6),
 * so the file is created 0600.
 */
export interface StackInfoFile {
  /** The process to signal to stop the stack (the runner for start:services). */
  readonly pid: number;
  /** ISO 8601. */
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
  /** The gateway's webhook server, e.g. `http://127.0.0.1:8080`. */
  readonly webhookUrl: string;
  readonly ports: StackPorts;
  /** The gateway's per-recipient rate limit (absent in the file of an older stack); `chosen`: the stack chose it (RECIPIENT_RATE_LIMIT unset). */
  readonly rateLimit?: { readonly perRecipient: number; readonly windowMs: number; readonly chosen: boolean };
  /** NOTIFY_DATA_DIR, absolute. */
  readonly dataRoot: string;
  /** Where the API keys come from; `file`: the generated keys' api-keys.json. */
  readonly apiKeys: { readonly source: StackKeySource; readonly file?: string };
  /** start:services: the pid of each service process. */
  readonly servicePids?: Readonly<Partial<Record<ServiceName, number>>>;
}

/** `STACK_INFO_FILE`, else `<dataRoot>/stack.json`; a relative path is taken from `base` (default: the current folder). */
export function stackInfoFilePath(env: Env, dataRoot: string, base: string = process.cwd()): string {
  return path.resolve(base, env['STACK_INFO_FILE'] ?? path.join(dataRoot, 'stack.json'));
}

/** Writes `info` to `file` (0600, its folder created). */
export function writeStackInfoFile(file: string, info: StackInfoFile): void {
  mkdirSync(path.dirname(file), { recursive: true });
  rmSync(file, { force: true }); // a file left by an older stack keeps its mode: start afresh
  writeFileSync(file, JSON.stringify(info, null, 2) + '\n', { mode: 0o600 });
}

/**
 * What is at a stack info file's path:
 * - `running`: a stack's file whose process is alive (EPERM counts: another user's process);
 * - `stale`: a stack's file whose process is gone (a stack killed without cleaning up, e.g. SIGKILL);
 * - `missing`: no file (or not readable);
 * - `invalid`: not JSON, or without a positive integer `pid`.
 */
export type StackInfoFileState =
  | { readonly state: 'running'; readonly file: string; readonly info: StackInfoFile }
  | { readonly state: 'stale'; readonly file: string; readonly pid: number; readonly info: StackInfoFile }
  | { readonly state: 'missing'; readonly file: string }
  | { readonly state: 'invalid'; readonly file: string };

/** Reads `file` and says which {@link StackInfoFileState} it is in (for messages that say why no stack was found). */
export function inspectStackInfoFile(file: string): StackInfoFileState {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return { state: 'missing', file };
  }
  let info: StackInfoFile;
  try {
    info = JSON.parse(text) as StackInfoFile;
  } catch {
    return { state: 'invalid', file };
  }
  if (typeof info?.pid !== 'number' || !Number.isInteger(info.pid) || info.pid <= 0) return { state: 'invalid', file };
  try {
    process.kill(info.pid, 0);
  } catch (err) {
    // ESRCH: gone. EPERM: it exists but is another user's — running.
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return { state: 'stale', file, pid: info.pid, info };
  }
  return { state: 'running', file, info };
}

/**
 * The info file of a running local stack: undefined when there is none, it is not JSON with a
 * numeric `pid`, or that process is gone (a stack killed without cleaning up; see
 * {@link inspectStackInfoFile} to tell these apart). Fields written by an older stack may be
 * missing (hence `rateLimit?`); readers fall back to their defaults.
 */
export function readStackInfoFile(file: string): StackInfoFile | undefined {
  const found = inspectStackInfoFile(file);
  return found.state === 'running' ? found.info : undefined;
}

/**
 * The admin key of a local stack: read from the key file its info file names (`apiKeys.file`,
 * the stack's generated api-keys.json, wherever its data folder is), shared by `npm run demo`
 * and notifyctl. `why` says why there is none (for the caller's error message): the stack took
 * its keys from NOTIFY_API_KEYS in its environment (no file), or the file is missing, not JSON
 * or has no `admin` key.
 */
export function readStackAdminKey(info: StackInfoFile): { readonly key: string; readonly why?: undefined } | { readonly key?: undefined; readonly why: string } {
  const file = info.apiKeys?.file;
  if (!file) {
    return { why: info.apiKeys?.source === 'environment' ? 'the stack took its keys from NOTIFY_API_KEYS in its environment: it wrote no key file' : 'its info file names no key file (apiKeys.file)' };
  }
  return readAdminKeyFile(file);
}

/**
 * The `admin` key of a stack's key file (`api-keys.json`: `{"admin": …, "service": …}`, what
 * `npm start` generates in its data folder), or why there is none: the file cannot be read, is
 * not JSON or has no `admin` key.
 */
export function readAdminKeyFile(file: string): { readonly key: string; readonly why?: undefined } | { readonly key?: undefined; readonly why: string } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return { why: `its key file ${file} cannot be read` };
  }
  try {
    const admin = (JSON.parse(text) as { admin?: unknown }).admin;
    if (typeof admin === 'string' && admin.trim()) return { key: admin.trim() };
  } catch {
    return { why: `its key file ${file} is not JSON` };
  }
  return { why: `its key file ${file} has no admin key` };
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
