import * as path from 'node:path';
import type * as grpc from '@grpc/grpc-js';
import { inspectStackInfoFile, readStackAdminKey, SERVICE_PORTS, stackInfoFilePath, type ServiceName, type StackInfoFileState } from '@notify/config';
import { createClient } from '@notify/grpc-kit';
import { customerv1, gatewayv1, schedulerv1, templatev1, ticketv1 } from '@notify/proto';
import { UsageError, type ParsedArgs } from './args';

/** Default deadline of each call, ms (`--timeout` overrides it). */
export const DEFAULT_TIMEOUT_MS = 10_000;

/** Where the CLI reaches the services and with which key. */
export interface Connection {
  /** `host:port` of each service. */
  addresses: Record<ServiceName, string>;
  /** Sent as `authorization: Bearer <apiKey>`. */
  apiKey: string;
  /** Deadline of each call, ms. */
  timeoutMs: number;
  /**
   * Said after an UNAVAILABLE: the local stack.json is left by a stack that is gone and some
   * address fell back to a default port (the key came from a flag or the environment).
   */
  unavailableHint?: string;
}

/**
 * The info file of a stack started on this machine (`npm start` / `npm run start:services`):
 * `$STACK_INFO_FILE`, else `<$NOTIFY_DATA_DIR or .notify-data>/stack.json` under the current
 * folder, and what is there (@notify/config inspectStackInfoFile): a running stack's, a stale
 * one (its process is gone), none, or not a stack's.
 */
function localStack(env: NodeJS.ProcessEnv): StackInfoFileState {
  return inspectStackInfoFile(stackInfoFilePath(env, path.resolve(env['NOTIFY_DATA_DIR'] ?? '.notify-data')));
}

/**
 * Resolves addresses, key and deadline; for each service, first match wins:
 * `--<svc>-addr`, then `--host` (`host` → host:<default port>, `host:port` → that for all),
 * then `$<SVC>_ADDR`, then the running local stack's address (its stack.json, see
 * {@link localStack}: `STACK_PORTS=auto` stacks move every port), then
 * `127.0.0.1:<SERVICE_PORTS[svc]>`. Key: `--api-key`, then `$NOTIFY_API_KEY`, then the admin key
 * that local stack generated (the key file its stack.json names) — only when every address is
 * that stack's (a local key is never sent to another host); missing → UsageError saying why no
 * key was found ({@link noKeyMessage}). `--timeout` ms (1..600000), default 10000.
 */
export function resolveConnection(args: ParsedArgs, env: NodeJS.ProcessEnv): Connection {
  const host = args.string('host');
  const local = localStack(env);
  const stack = local.state === 'running' ? local.info : undefined;
  const addresses = {} as Record<ServiceName, string>;
  const sources = {} as Record<ServiceName, string>;
  for (const svc of Object.keys(SERVICE_PORTS) as ServiceName[]) {
    const fromHost = host === undefined ? undefined : /:\d+$/.test(host) ? host : `${host}:${SERVICE_PORTS[svc]}`;
    const candidates: [string | undefined, string][] = [
      [args.string(`${svc}-addr`), `--${svc}-addr`],
      [fromHost, '--host'],
      [env[`${svc.toUpperCase()}_ADDR`]?.trim() || undefined, `$${svc.toUpperCase()}_ADDR`],
      [stack?.grpc?.[svc], 'the stack'],
      [`127.0.0.1:${SERVICE_PORTS[svc]}`, 'the default port'],
    ];
    const [address, source] = candidates.find(([a]) => a !== undefined) as [string, string];
    addresses[svc] = address;
    sources[svc] = source;
  }
  let apiKey = args.string('api-key') ?? (env.NOTIFY_API_KEY?.trim() || undefined);
  if (!apiKey) {
    // The local stack's own key only when every address is that stack's: never sent elsewhere.
    const elsewhere = stack ? (Object.keys(SERVICE_PORTS) as ServiceName[]).filter((svc) => addresses[svc] !== stack.grpc?.[svc]) : [];
    const key = stack && elsewhere.length === 0 ? readStackAdminKey(stack) : undefined;
    apiKey = key?.key;
    const given = (Object.keys(SERVICE_PORTS) as ServiceName[]).every((svc) => sources[svc] !== 'the default port' && sources[svc] !== 'the stack');
    if (!apiKey) throw new UsageError(noKeyMessage(local, given, elsewhere.map((svc) => `${svc} ${addresses[svc]} (from ${sources[svc]})`), key?.why));
  }
  const timeout = args.string('timeout');
  let timeoutMs = DEFAULT_TIMEOUT_MS;
  if (timeout !== undefined) {
    timeoutMs = Number(timeout);
    if (!/^\d+$/.test(timeout) || timeoutMs < 1 || timeoutMs > 600_000) throw new UsageError(`--timeout: "${timeout}" must be ms from 1 to 600000`);
  }
  const defaulted = (Object.keys(SERVICE_PORTS) as ServiceName[]).some((svc) => sources[svc] === 'the default port');
  const unavailableHint = local.state === 'stale' && defaulted
    ? `no running stack: ${local.file} is left from pid ${local.pid}, which is not running; start it with npm start, or give --host / --<service>-addr`
    : undefined;
  return { addresses, apiKey, timeoutMs, ...(unavailableHint ? { unavailableHint } : {}) };
}

/**
 * Why no key was found when neither `--api-key` nor `$NOTIFY_API_KEY` gave one: the stack.json
 * found is left by a process that is gone (a stack killed without cleaning up), there is none
 * or it is not a stack's, some addresses are not that running stack's (`elsewhere`), or the
 * stack has no readable key file (`keyWhy`). `given`: every address came from a flag or
 * `$<SVC>_ADDR` (another stack: no local stack's key would apply).
 */
function noKeyMessage(local: StackInfoFileState, given: boolean, elsewhere: readonly string[], keyWhy: string | undefined): string {
  const fix = 'pass --api-key or set NOTIFY_API_KEY';
  if (given && local.state !== 'running') return `no API key: ${fix} (a local stack's key is used only for that stack's own addresses, and every address was given)`;
  switch (local.state) {
    case 'stale':
      return (
        `no running stack: ${local.file} is left from pid ${local.pid}, which is not running (the stack was killed without cleaning up); ` +
        'start it with npm start, or pass --api-key (or set NOTIFY_API_KEY) and --host / --<service>-addr for another stack'
      );
    case 'missing':
      return `no API key: ${fix} (no running stack found: ${local.file} does not exist; npm start writes it and its key file)`;
    case 'invalid':
      return `no API key: ${fix} (${local.file} is not a stack info file: not JSON with a pid)`;
    case 'running':
      if (elsewhere.length > 0) {
        return `no API key: ${fix} (the key of the stack running at ${local.file} is sent only to its own addresses, and ${elsewhere.join(', ')} ${elsewhere.length === 1 ? 'is not one of them' : 'are not among them'})`;
      }
      return `no API key: ${fix} (the stack running at ${local.file}: ${keyWhy ?? 'no admin key'})`;
  }
}

/** The gRPC clients, created on first use (a command touches one or two services). */
export class Clients {
  private readonly open: grpc.Client[] = [];
  private cache: Partial<Record<ServiceName, unknown>> = {};

  constructor(readonly connection: Connection) {}

  private get<C extends grpc.Client>(svc: ServiceName, Ctor: new (address: string, credentials: grpc.ChannelCredentials, options?: Partial<grpc.ClientOptions>) => C): C {
    let c = this.cache[svc] as C | undefined;
    if (!c) {
      c = createClient(Ctor, this.connection.addresses[svc], { apiKey: this.connection.apiKey, deadlineMs: this.connection.timeoutMs });
      this.cache[svc] = c;
      this.open.push(c);
    }
    return c;
  }

  /** notify.ticket.v1.TicketService. */
  get ticket(): ticketv1.TicketServiceClient {
    return this.get('ticket', ticketv1.TicketServiceClient);
  }
  /** notify.customer.v1.CustomerService. */
  get customer(): customerv1.CustomerServiceClient {
    return this.get('customer', customerv1.CustomerServiceClient);
  }
  /** notify.template.v1.TemplateService. */
  get template(): templatev1.TemplateServiceClient {
    return this.get('template', templatev1.TemplateServiceClient);
  }
  /** notify.scheduler.v1.SchedulerService. */
  get scheduler(): schedulerv1.SchedulerServiceClient {
    return this.get('scheduler', schedulerv1.SchedulerServiceClient);
  }
  /** notify.gateway.v1.NotificationService. */
  get gateway(): gatewayv1.NotificationServiceClient {
    return this.get('gateway', gatewayv1.NotificationServiceClient);
  }

  /** Closes every channel opened (so the process can exit). */
  close(): void {
    for (const c of this.open) c.close();
    this.open.length = 0;
    this.cache = {};
  }
}
