import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import type * as grpc from '@grpc/grpc-js';
import { readStackInfoFile, SERVICE_PORTS, stackInfoFilePath, type ServiceName, type StackInfoFile } from '@notify/config';
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
}

/**
 * The info file of a stack started on this machine (`npm start` / `npm run start:services`):
 * `$STACK_INFO_FILE`, else `<$NOTIFY_DATA_DIR or .notify-data>/stack.json` under the current
 * folder; undefined when there is none, it does not parse, or its process is gone
 * (@notify/config readStackInfoFile).
 */
function localStack(env: NodeJS.ProcessEnv): StackInfoFile | undefined {
  return readStackInfoFile(stackInfoFilePath(env, path.resolve(env['NOTIFY_DATA_DIR'] ?? '.notify-data')));
}

/** The admin key a local stack generated (its api-keys.json), when it did. */
function localAdminKey(stack: StackInfoFile | undefined): string | undefined {
  const file = stack?.apiKeys?.file;
  if (!file || !existsSync(file)) return undefined;
  try {
    return (JSON.parse(readFileSync(file, 'utf8')) as { admin?: string }).admin?.trim() || undefined;
  } catch {
    return undefined;
  }
}

/**
 * Resolves addresses, key and deadline; for each service, first match wins:
 * `--<svc>-addr`, then `--host` (`host` → host:<default port>, `host:port` → that for all),
 * then `$<SVC>_ADDR`, then the running local stack's address (its stack.json, see
 * {@link localStack}: `STACK_PORTS=auto` stacks move every port), then
 * `127.0.0.1:<SERVICE_PORTS[svc]>`. Key: `--api-key`, then `$NOTIFY_API_KEY`, then the admin key
 * that local stack generated — only when every address is that stack's (a local key is never
 * sent to another host); missing → UsageError. `--timeout` ms (1..600000), default 10000.
 */
export function resolveConnection(args: ParsedArgs, env: NodeJS.ProcessEnv): Connection {
  const host = args.string('host');
  const stack = localStack(env);
  const addresses = {} as Record<ServiceName, string>;
  for (const svc of Object.keys(SERVICE_PORTS) as ServiceName[]) {
    const fromHost = host === undefined ? undefined : /:\d+$/.test(host) ? host : `${host}:${SERVICE_PORTS[svc]}`;
    addresses[svc] =
      args.string(`${svc}-addr`) ?? fromHost ?? env[`${svc.toUpperCase()}_ADDR`]?.trim() ?? stack?.grpc?.[svc] ?? `127.0.0.1:${SERVICE_PORTS[svc]}`;
  }
  // The local stack's own key only when every address is that stack's: never sent elsewhere.
  const allFromStack = !!stack?.grpc && (Object.keys(SERVICE_PORTS) as ServiceName[]).every((svc) => addresses[svc] === stack.grpc?.[svc]);
  const apiKey = args.string('api-key') ?? env.NOTIFY_API_KEY?.trim() ?? (allFromStack ? localAdminKey(stack) : undefined);
  if (!apiKey) throw new UsageError('no API key: pass --api-key or set NOTIFY_API_KEY');
  const timeout = args.string('timeout');
  let timeoutMs = DEFAULT_TIMEOUT_MS;
  if (timeout !== undefined) {
    timeoutMs = Number(timeout);
    if (!/^\d+$/.test(timeout) || timeoutMs < 1 || timeoutMs > 600_000) throw new UsageError(`--timeout: "${timeout}" must be ms from 1 to 600000`);
  }
  return { addresses, apiKey, timeoutMs };
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
