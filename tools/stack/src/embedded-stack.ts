import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import type { Env, ServiceName } from '@notify/config';
import { createLogger, type Logger } from '@notify/logger';
import { createInProcessBus, type EventBus } from '@notify/messaging';
import { startAllSims, type AllSims } from '@notify/provider-sim';
import { loadCustomerConfig } from '../../../services/customer/src/config';
import { startCustomerService } from '../../../services/customer/src/server';
import { loadGatewayConfig } from '../../../services/gateway/src/config';
import { startGatewayService } from '../../../services/gateway/src/server';
import { loadSchedulerConfig } from '../../../services/scheduler/src/config';
import { startSchedulerService } from '../../../services/scheduler/src/server';
import { loadTemplateConfig } from '../../../services/template/src/config';
import { startTemplateService } from '../../../services/template/src/server';
import { loadTicketConfig } from '../../../services/ticket/src/config';
import { startTicketService } from '../../../services/ticket/src/server';
import { assertDataDirFree, startEmbeddedPostgres, type EmbeddedPostgres } from './embedded-postgres';
import {
  hasProviderCredentials,
  resolveKeys,
  lastPorts,
  rememberPorts,
  resolvePorts,
  serviceEnv,
  simulatorProviderEnv,
  START_ORDER,
  withEmbeddedDefaults,
  type SimName,
  type StackKeys,
  type StackPorts,
} from './stack-env';

/** Options of {@link startEmbeddedStack}; everything else comes from `env`. */
export interface EmbeddedStackOptions {
  /** The environment (default process.env). Variables: see start-embedded.ts. */
  readonly env?: Env;
  /** Root of the relative data paths (default process.cwd()). */
  readonly cwd?: string;
  /** Logger factory per component (default: @notify/logger at LOG_LEVEL, pretty on a TTY). */
  readonly logger?: (component: string) => Logger;
}

/** What the embedded stack chose and where everything listens (the banner prints it). */
export interface EmbeddedStackInfo {
  readonly database: { readonly mode: 'embedded'; readonly url: string; readonly dataDir: string } | { readonly mode: 'external'; readonly url: string };
  readonly events: { readonly mode: 'in-process' } | { readonly mode: 'nats'; readonly url: string };
  readonly providers: { readonly mode: 'simulators'; readonly urls: Readonly<Record<SimName, string>> } | { readonly mode: 'real' };
  /** `127.0.0.1:<port>` per service. */
  readonly grpc: Readonly<Record<ServiceName, string>>;
  /** The gateway's webhook server base URL. */
  readonly webhookUrl: string;
  readonly keys: StackKeys;
  readonly ports: StackPorts;
  /**
   * The gateway's per-recipient rate limit (RECIPIENT_RATE_LIMIT messages per
   * RECIPIENT_RATE_WINDOW_MS; 0 = none). `chosen`: the variable was unset and the stack chose 0
   * (stack-env EMBEDDED_DEFAULTS); false: as set in the environment. In stack.json too, so
   * `npm run demo` can say which limit held its messages back.
   */
  readonly rateLimit: { readonly perRecipient: number; readonly windowMs: number; readonly chosen: boolean };
  /** NOTIFY_DATA_DIR, absolute (PGlite data by default, generated API keys, stack.json). */
  readonly dataRoot: string;
}

/** One service running in the embedded process. */
interface RunningService {
  readonly name: ServiceName;
  stop(): Promise<void>;
}

/** A running embedded stack. */
export interface EmbeddedStack {
  readonly info: EmbeddedStackInfo;
  /** The shared in-process bus (undefined with NATS_URL). */
  readonly bus: EventBus | undefined;
  readonly sims: AllSims | undefined;
  /**
   * Stops in order: the services newest first (gateway → scheduler → ticket → customer →
   * template, each health NOT_SERVING → drain → gRPC shutdown → relay → DataSource), the
   * simulators, the shared bus, the embedded Postgres. Idempotent; resolves when all is closed,
   * rejects with the first error after trying every step.
   */
  stop(): Promise<void>;
}

/**
 * Starts the whole of Notify in this process (`npm start`):
 * 1. Postgres: DATABASE_URL, else PGlite in PGLITE_DATA_DIR (default `.notify-data/pglite`)
 *    served over the wire protocol on 127.0.0.1:PGLITE_PORT (default a free port);
 * 2. events: NATS_URL (each service connects itself), else ONE in-process bus shared by the
 *    five services (single process only);
 * 3. providers: the four simulators (8091…8094) with stand-in credentials and receipts to the
 *    gateway's webhook server, unless a provider credential is set in the environment;
 * 4. the services in START_ORDER, each from its own config loaded from {@link serviceEnv}
 *    (own schema, port, API keys, addresses of its callees, and the laptop defaults of
 *    stack-env EMBEDDED_DEFAULTS where unset: RECIPIENT_RATE_LIMIT=0); each applies its
 *    migrations and seeds (templates, routing rules) on start.
 * Before anything else, API keys the services would refuse (NOTIFY_API_KEYS not valid or without a
 * `service` key, a SERVICE_API_KEY not among them), a data folder held by another living process
 * (a second `npm start`) and busy default ports are refused, in that order (StackStartRefusal,
 * one line naming the problem / the pid / the ports); without NOTIFY_API_KEYS the keys are read
 * from, or generated once into, `<NOTIFY_DATA_DIR>/api-keys.json` at that point.
 * If a step fails, what was started is stopped and the error propagates.
 */
export async function startEmbeddedStack(options: EmbeddedStackOptions = {}): Promise<EmbeddedStack> {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const level = env['LOG_LEVEL'] ?? 'info';
  const loggerFor =
    options.logger ??
    ((component: string) =>
      createLogger({ service: component, level: level as 'info', pretty: env['NODE_ENV'] === 'development' || (process.stdout.isTTY ?? false) }));
  const log = loggerFor('stack');

  const undo: Array<() => Promise<unknown>> = [];
  const runUndo = async (): Promise<void> => {
    let first: unknown;
    for (const step of undo.splice(0).reverse()) {
      await step().catch((err: unknown) => {
        first ??= err;
        log.error({ err }, 'stack: a stop step failed');
      });
    }
    if (first) throw first;
  };

  try {
    const dataRoot = path.resolve(cwd, env['NOTIFY_DATA_DIR'] ?? '.notify-data');
    const pgliteDir = path.resolve(cwd, env['PGLITE_DATA_DIR'] ?? path.join(dataRoot, 'pglite'));
    // The API keys before anything starts (as start:services): refused NOTIFY_API_KEYS /
    // SERVICE_API_KEY end the start in one line with no Postgres, bus or simulator started.
    const keys = resolveKeys(env, dataRoot);
    // The folder first: a second `npm start` on it is told which process has it, not which ports.
    if (!env['DATABASE_URL']) assertDataDirFree(pgliteDir);
    // STACK_PORTS=auto: the folder's last layout again when it is free (receipts and notifyctl keep their addresses).
    const ports = await resolvePorts(env['STACK_PORTS'], { sims: !hasProviderCredentials(env) }, lastPorts(dataRoot), (busy) =>
      log.warn({ busy }, "STACK_PORTS=auto: the last stack's ports are not free: new ports for everything (notifyctl finds them in stack.json)"));

    // 1. Postgres
    let database: EmbeddedStackInfo['database'];
    if (env['DATABASE_URL']) {
      database = { mode: 'external', url: env['DATABASE_URL'] };
    } else {
      const dataDir = pgliteDir;
      const pg: EmbeddedPostgres = await startEmbeddedPostgres({ dataDir, port: env['PGLITE_PORT'] ? Number(env['PGLITE_PORT']) : 0 });
      undo.push(() => pg.close());
      database = { mode: 'embedded', url: pg.url, dataDir };
      log.info({ dataDir, url: pg.url }, 'DATABASE_URL is not set: embedded Postgres (PGlite) serving the data folder');
    }

    // 2. Events
    let bus: EventBus | undefined;
    let events: EmbeddedStackInfo['events'];
    if (env['NATS_URL']) {
      events = { mode: 'nats', url: env['NATS_URL'] };
    } else {
      bus = createInProcessBus({ logger: loggerFor('bus') });
      undo.push(() => bus!.close());
      events = { mode: 'in-process' };
      log.warn({}, 'NATS_URL is not set: ONE in-process event bus shared by the five services of this process (single process only; events are lost on exit)');
    }

    // 3. Providers
    const webhookUrl = `http://127.0.0.1:${ports.webhook}`;
    let sims: AllSims | undefined;
    let providers: EmbeddedStackInfo['providers'];
    let providerEnv: Env | undefined;
    if (hasProviderCredentials(env)) {
      providers = { mode: 'real' };
      log.info({}, 'provider credentials are set: sending to the real providers, no simulators');
    } else {
      const webhookSecret = env['WEBHOOK_SECRET'] ?? randomBytes(16).toString('hex');
      const stand = simulatorProviderEnv({ fonnte: '', wablas: '', twilio: '', advanta: '' }, webhookSecret);
      sims = await startAllSims({
        host: '127.0.0.1',
        webhookBaseUrl: webhookUrl,
        webhookSecret,
        logger: loggerFor('provider-sim'),
        fonnte: { port: ports.sims.fonnte, token: stand['FONNTE_TOKEN']! },
        wablas: { port: ports.sims.wablas, token: stand['WABLAS_TOKEN']!, secretKey: stand['WABLAS_SECRET_KEY']! },
        twilio: { port: ports.sims.twilio, accountSid: stand['TWILIO_ACCOUNT_SID']!, authToken: stand['TWILIO_AUTH_TOKEN']! },
        advanta: { port: ports.sims.advanta, apiKey: stand['ADVANTA_API_KEY']!, partnerId: stand['ADVANTA_PARTNER_ID']!, shortcodes: [stand['ADVANTA_SHORTCODE']!] },
      });
      const started = sims;
      undo.push(() => started.close());
      const urls = { fonnte: sims.fonnte.url, wablas: sims.wablas.url, twilio: sims.twilio.url, advanta: sims.advanta.url };
      providers = { mode: 'simulators', urls };
      providerEnv = { ...simulatorProviderEnv(urls, webhookSecret), WEBHOOK_PUBLIC_URL: env['WEBHOOK_PUBLIC_URL'] ?? webhookUrl };
      log.info(urls, 'no provider credentials set: the four provider simulators receive every send');
    }

    // 4. Services
    // PGlite is one Postgres session shared by every connection: named prepared statements of two
    // connections would collide there (libs/db prepared-query.ts).
    const laptop = withEmbeddedDefaults(env);
    const base = database.mode === 'embedded' ? { ...laptop.env, DATABASE_PREPARED_STATEMENTS: 'false' } : laptop.env;
    const input = { base, databaseUrl: database.url, natsUrl: env['NATS_URL'], ports, keys, providerEnv };
    const gatewayConfig = loadGatewayConfig(serviceEnv('gateway', input));
    const rateLimit = {
      perRecipient: gatewayConfig.RECIPIENT_RATE_LIMIT,
      windowMs: gatewayConfig.RECIPIENT_RATE_WINDOW_MS,
      chosen: laptop.chosen.includes('RECIPIENT_RATE_LIMIT'),
    };
    if (rateLimit.chosen) log.info({}, 'RECIPIENT_RATE_LIMIT is not set: no per-recipient rate limit (a laptop stack replays the same numbers)');
    const grpc = {} as Record<ServiceName, string>;
    for (const name of START_ORDER) {
      const svcEnv = serviceEnv(name, input);
      const started = await startService(name, svcEnv, loggerFor(name), bus);
      undo.push(() => started.stop());
      grpc[name] = `127.0.0.1:${ports.grpc[name]}`;
      log.info({ service: name, grpc: grpc[name] }, `${name} service started`);
    }

    rememberPorts(dataRoot, ports);
    let stopping: Promise<void> | undefined;
    return {
      info: { database, events, providers, grpc, webhookUrl, keys, ports, rateLimit, dataRoot },
      bus,
      sims,
      stop: () => (stopping ??= runUndo()),
    };
  } catch (err) {
    await runUndo().catch(() => undefined);
    throw err;
  }
}

/** Loads one service's config from `env` and starts it, sharing `bus` when given. */
async function startService(name: ServiceName, env: Env, logger: Logger, bus: EventBus | undefined): Promise<RunningService> {
  const shared = bus ? { bus } : {};
  switch (name) {
    case 'template':
      return { name, ...(await startTemplateService(loadTemplateConfig(env), logger, shared)) };
    case 'customer':
      return { name, ...(await startCustomerService(loadCustomerConfig(env), logger, shared)) };
    case 'ticket':
      return { name, ...(await startTicketService(loadTicketConfig(env), logger, shared)) };
    case 'scheduler':
      return { name, ...(await startSchedulerService(loadSchedulerConfig(env), logger, shared)) };
    case 'gateway':
      return { name, ...(await startGatewayService(loadGatewayConfig(env), logger, shared)) };
  }
}
