import { readFileSync } from 'node:fs';
import type { DataSource, DataSourceOptions } from 'typeorm';
import { createDataSource, purgeProcessedEvents, runMigrations, startHousekeeping, startOutboxRelay, type Housekeeping, type HousekeepingTask, type OutboxRelay } from '@notify/db';
import { eventStreams } from '@notify/events';
import { bindService, startGrpcServer, type RunningGrpcServer } from '@notify/grpc-kit';
import type { Logger } from '@notify/logger';
import { DeferredJetStreamBus, NatsUnreachableError, connectJetStreamBus, createInProcessBus, redactNatsUrl, type EventBus } from '@notify/messaging';
import { PROTO_ROOT, RPC_ROLES, SERVICE_CATALOG } from '@notify/proto';
import { startReadiness, type DependencyCheck, type Readiness } from './readiness';

type PostgresOptions = Extract<DataSourceOptions, { type: 'postgres' }>;

/** Wait between two attempts to reach a NATS that could not be reached at start, ms. */
const NATS_RETRY_MS = 5_000;

/** The config fields the runtime reads (every service config has them: `@notify/config` databaseEnv / natsEnv). */
export interface RuntimeConfig {
  readonly DATABASE_URL?: string | undefined;
  readonly DATABASE_SCHEMA: string;
  /** Named prepared statements for the hot statements (default true; `@notify/config` databaseEnv). */
  readonly DATABASE_PREPARED_STATEMENTS?: boolean | undefined;
  readonly NATS_URL?: string | undefined;
  readonly NATS_NAMESPACE?: string | undefined;
  /** Replicas of each event stream (JetStream num_replicas; default 1). */
  readonly NATS_STREAM_REPLICAS?: number | undefined;
  /** Published outbox rows kept this long, ms (0 = deleted on publish); unset = kept (`@notify/config` outboxEnv). */
  readonly OUTBOX_RETENTION_MS?: number | undefined;
  /** Time between two housekeeping passes, ms; 0 or unset = none (`@notify/config` housekeepingEnv). */
  readonly HOUSEKEEPING_INTERVAL_MS?: number | undefined;
  /** `processed_events` claims older than this are deleted by the housekeeping, ms (default 30 days; 0 = kept for ever). */
  readonly PROCESSED_EVENTS_RETENTION_MS?: number | undefined;
  /** Wait between two attempts to reach a NATS that could not be reached at start, ms (default 5000; tests shorten it). */
  readonly NATS_CONNECT_RETRY_MS?: number | undefined;
  /** Time between two rounds of readiness checks (Postgres), ms (default 5000). */
  readonly READINESS_INTERVAL_MS?: number | undefined;
  /** Consecutive failed readiness checks before a dependency makes the service not ready (default 3). */
  readonly READINESS_FAILURE_THRESHOLD?: number | undefined;
  /** A readiness check still pending after this long has failed, ms (default 5000). */
  readonly READINESS_TIMEOUT_MS?: number | undefined;
}

/** Options of {@link openServiceRuntime}. */
export interface ServiceRuntimeOptions {
  /** Short service name (`ticket`, `gateway`…): logs, the NATS connection name. */
  readonly service: string;
  readonly config: RuntimeConfig;
  readonly logger: Logger;
  /** The service's TypeORM entities and migrations (platform migrations included by the service). */
  readonly entities: PostgresOptions['entities'];
  readonly migrations: PostgresOptions['migrations'];
  /**
   * A bus owned by the caller (embedded mode: one in-process bus shared by the five services
   * of one process). It is used as is and NOT closed by {@link ServiceRuntime.close}.
   * Absent: JetStream on NATS_URL, else a private in-process bus (with a warning).
   */
  readonly bus?: EventBus;
  /** Relay `<schema>.outbox` to the bus (default true; the template service has no outbox). */
  readonly outboxRelay?: boolean;
  /** Maximum pool connections (pg default 10). */
  readonly poolSize?: number;
  /**
   * The service's own clean-ups, run by the housekeeping after the `processed_events` purge
   * (every HOUSEKEEPING_INTERVAL_MS; none when it is 0 or unset). Each gets the DataSource.
   */
  readonly housekeeping?: ReadonlyArray<{ name: string; run(dataSource: DataSource): Promise<number> }>;
}

/** What {@link openServiceRuntime} opened, with one ordered close. */
export interface ServiceRuntime {
  readonly dataSource: DataSource;
  readonly bus: EventBus;
  /** The outbox relay; undefined when `outboxRelay: false`. */
  readonly relay: OutboxRelay | undefined;
  /** The periodic clean-up of old rows; undefined when HOUSEKEEPING_INTERVAL_MS is 0 or unset. */
  readonly housekeeping: Housekeeping | undefined;
  /**
   * Dependency readiness: `postgres` (`SELECT 1` on the DataSource), every READINESS_INTERVAL_MS.
   * NATS is not checked: no request path needs it (events wait in the outbox while it is away).
   * Pass it to {@link serveGrpc} (the service's named gRPC health entry follows it); stopped by
   * {@link close} first.
   */
  readonly readiness: Readiness;
  /** Registers a cleanup step run by {@link close} before the relay stops (last registered runs first). */
  onClose(step: () => Promise<unknown>): void;
  /**
   * Runs the registered steps (newest first), then stops the relay, destroys the DataSource and
   * closes the bus when the runtime owns it. Idempotent; errors of single steps are logged, not thrown.
   */
  close(): Promise<void>;
}

/** Errors meaning the server was not reached or refused us (not a failing migration): Node / pg / NATS codes. */
const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET', '28P01', '28000', '3D000', 'CONNECTION_REFUSED']);

/**
 * A start-up failure to reach a dependency, said as the variable to check: `DATABASE_URL: cannot
 * reach Postgres at 127.0.0.1:5499 (connect ECONNREFUSED 127.0.0.1:5499)`. Other errors (a
 * failing migration, a bug) are returned as they are.
 */
function namedStartError(variable: string, what: string, err: unknown): unknown {
  const e = err as { code?: unknown; message?: unknown; errors?: Array<{ code?: unknown }>; severity?: unknown };
  const code = String(e?.code ?? e?.errors?.[0]?.code ?? '');
  const message = err instanceof Error ? err.message : String(err);
  // Postgres answering (a pg DatabaseError has a severity) with a SQLSTATE outside the connection
  // (08), authorization (28) and catalog-name (3D) classes is a failing migration (42P01
  // "relation … does not exist", a lock or statement timeout…), not an unreachable database.
  const answered = typeof e?.severity === 'string';
  if (answered && !/^(08|28|3D)/.test(code)) return err;
  const unreachable =
    UNREACHABLE.has(code) ||
    (!answered && /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|getaddrinfo|connect ETIMEDOUT|connection refused|Connection terminated/i.test(message));
  return unreachable ? new Error(`${variable}: cannot reach ${what} (${message || code})`, { cause: err }) : err;
}

/** `host:port/db` of a Postgres URL, without credentials. */
function hostOf(url: string): string {
  try {
    const u = new URL(url);
    return `${u.host}${u.pathname}`;
  } catch {
    return '(unparsable URL)';
  }
}

/**
 * Opens what a service needs before it can serve:
 * 1. a DataSource on DATABASE_URL / DATABASE_SCHEMA and the migrations (under the db lib's advisory lock);
 * 2. the event bus (options.bus, else JetStream on NATS_URL — a comma-separated server list —,
 *    else an in-process bus, logged as single-process only) and the streams of
 *    `eventStreams(NATS_NAMESPACE)`;
 * 3. the outbox relay of `<schema>.outbox` (unless `outboxRelay: false`);
 * 4. the housekeeping (every HOUSEKEEPING_INTERVAL_MS, first after a minute): `processed_events`
 *    claims older than PROCESSED_EVENTS_RETENTION_MS, then `options.housekeeping`;
 * 5. the readiness checks (`ServiceRuntime.readiness`; READINESS_INTERVAL_MS,
 *    READINESS_FAILURE_THRESHOLD, READINESS_TIMEOUT_MS), starting ready.
 * NATS that cannot be reached at start does not stop it: the bus connects in the background
 * (DeferredJetStreamBus: publishes fail until then, so events wait in the outbox; consumers start
 * once connected) and the service serves its requests meanwhile.
 * Throws (after undoing what it opened) when DATABASE_URL is unset, Postgres cannot be reached,
 * NATS answers but refuses (JetStream not enabled), or a migration fails.
 */
export async function openServiceRuntime(options: ServiceRuntimeOptions): Promise<ServiceRuntime> {
  const { config, logger, service } = options;
  if (!config.DATABASE_URL) {
    throw new Error(`${service}: DATABASE_URL is required (postgres://user@host:5432/db); npm start provides an embedded one`);
  }
  const schema = config.DATABASE_SCHEMA;
  const dataSource = createDataSource({
    url: config.DATABASE_URL,
    schema,
    entities: options.entities,
    migrations: options.migrations,
    preparedStatements: config.DATABASE_PREPARED_STATEMENTS ?? true,
    ...(options.poolSize ? { poolSize: options.poolSize } : {}),
  });
  const steps: Array<() => Promise<unknown>> = [];
  let relay: OutboxRelay | undefined;
  let housekeeping: Housekeeping | undefined;
  let bus: EventBus | undefined;
  const ownsBus = !options.bus;
  let closing: Promise<void> | undefined;
  const closeAll = async (): Promise<void> => {
    for (const step of steps.splice(0).reverse()) {
      await step().catch((err: unknown) => logger.warn({ err }, `${service}: a shutdown step failed`));
    }
    if (housekeeping) await housekeeping.stop();
    if (relay) await relay.stop().catch((err: unknown) => logger.warn({ err }, `${service}: outbox relay stop failed`));
    if (dataSource.isInitialized) await dataSource.destroy().catch(() => undefined);
    if (bus && ownsBus) await bus.close().catch(() => undefined);
  };
  try {
    const ran = await runMigrations(dataSource).catch((err: unknown) => {
      throw namedStartError('DATABASE_URL', `Postgres at ${hostOf(config.DATABASE_URL!)}`, err);
    });
    if (ran.length > 0) logger.info({ migrations: ran, schema }, `${service} migrations applied`);
    if (options.bus) {
      bus = options.bus;
    } else if (config.NATS_URL) {
      // After a lost connection is back, the outbox relay publishes what waited at once.
      const retryOutbox = (why: string) => () => void relay?.retryNow().catch((e: unknown) => logger.warn({ err: e }, `${service}: outbox retry after ${why} failed; the relay retries on its own schedule`));
      const natsOptions = {
        url: config.NATS_URL.split(',').map((s) => s.trim()), name: service, logger, streamReplicas: config.NATS_STREAM_REPLICAS ?? 1,
        onReconnect: retryOutbox('the NATS reconnection'),
      };
      bus = await connectJetStreamBus(natsOptions).catch((err: unknown) => {
        // Unreachable: start without it (no request needs NATS; events wait in the outbox) and
        // connect in the background. Anything else (JetStream off, bad replicas) stops the start.
        if (!(err instanceof NatsUnreachableError)) throw namedStartError('NATS_URL', `NATS at ${config.NATS_URL}`, err);
        logger.warn(
          { err: err.message, retry_every_ms: config.NATS_CONNECT_RETRY_MS ?? NATS_RETRY_MS },
          `${service}: NATS at ${redactNatsUrl(config.NATS_URL!)} cannot be reached: starting without it — events wait in the outbox, event consumers start once it is reachable`,
        );
        // Once connected, the outbox relay publishes what waited at once (not at its next backoff).
        return new DeferredJetStreamBus({ ...natsOptions, retryMs: config.NATS_CONNECT_RETRY_MS ?? NATS_RETRY_MS, onConnected: retryOutbox('the NATS connection') });
      });
    } else {
      logger.warn({}, 'NATS_URL is not set: using the in-process event bus (single process only, events stay in this process)');
      bus = createInProcessBus({ logger });
    }
    await bus.ensureStreams(eventStreams(config.NATS_NAMESPACE));
    if (options.outboxRelay !== false) relay = await startOutboxRelay({
        dataSource, schema, publisher: bus, logger,
        ...(config.OUTBOX_RETENTION_MS !== undefined ? { retentionMs: config.OUTBOX_RETENTION_MS } : {}),
      });
    if (config.HOUSEKEEPING_INTERVAL_MS) {
      const retentionMs = config.PROCESSED_EVENTS_RETENTION_MS ?? 30 * 86_400_000;
      const tasks: HousekeepingTask[] = [
        // 0 = kept for ever, as for the gateway's retentions (a purge of everything would let a redelivered event act twice).
        ...(retentionMs > 0 ? [{ name: 'processed_events', run: () => purgeProcessedEvents(dataSource, retentionMs, { schema }) }] : []),
        ...(options.housekeeping ?? []).map((t) => ({ name: t.name, run: () => t.run(dataSource) })),
      ];
      housekeeping = startHousekeeping({ tasks, intervalMs: config.HOUSEKEEPING_INTERVAL_MS, logger });
    }
  } catch (err) {
    await closeAll();
    throw err;
  }
  const openedBus = bus;
  // Postgres only: every request path needs it, none needs NATS (events leave through the outbox,
  // which holds them while NATS is away; the connection logs its own outages). A readiness that
  // followed NATS would take every replica out of its Service at once in a NATS outage — the
  // gateway's provider webhooks included, whose receipts Twilio does not send again.
  const checks: DependencyCheck[] = [{ name: 'postgres', check: () => dataSource.query('SELECT 1') }];
  const readiness = startReadiness({
    service, logger, checks,
    ...(config.READINESS_INTERVAL_MS !== undefined ? { intervalMs: config.READINESS_INTERVAL_MS } : {}),
    ...(config.READINESS_FAILURE_THRESHOLD !== undefined ? { failureThreshold: config.READINESS_FAILURE_THRESHOLD } : {}),
    ...(config.READINESS_TIMEOUT_MS !== undefined ? { timeoutMs: config.READINESS_TIMEOUT_MS } : {}),
  });
  return {
    dataSource,
    bus: openedBus,
    relay,
    housekeeping,
    readiness,
    onClose: (step) => void steps.push(step),
    close: () =>
      (closing ??= (async () => {
        readiness.stop(); // first: a DataSource being destroyed is not an outage
        await closeAll();
      })()),
  };
}

/** The config fields {@link serveGrpc} reads (`@notify/config` grpcServerEnv / platformEnv). */
export interface GrpcServeConfig {
  readonly GRPC_HOST: string;
  readonly GRPC_PORT: number;
  readonly NOTIFY_API_KEYS: Parameters<typeof startGrpcServer>[0]['apiKeys'];
  readonly GRPC_TLS_CERT?: string | undefined;
  readonly GRPC_TLS_KEY?: string | undefined;
}

/** Options of {@link serveGrpc}. */
export interface ServeGrpcOptions {
  /**
   * The runtime's readiness (`runtime.readiness`): the service's named health entry (its full
   * name, e.g. `notify.ticket.v1.TicketService` — what readiness probes ask for) follows it.
   * Absent: that entry is SERVING from bind until shutdown, like the overall one.
   */
  readonly readiness?: Readiness;
}

/**
 * Binds one catalog service's handler (roles per RPC from RPC_ROLES, generated from the protos'
 * `// Roles:` comments) and starts its gRPC server with health, reflection, API-key auth and
 * optional TLS (GRPC_TLS_CERT / GRPC_TLS_KEY, PEM file paths) on GRPC_HOST:GRPC_PORT.
 * RPCs missing from `handler` answer UNIMPLEMENTED after auth.
 * Health: `''` (liveness) is SERVING from bind until shutdown whatever the dependencies do; the
 * service's full name (readiness) is SERVING while `options.readiness` is ready (and not shutting
 * down), NOT_SERVING while a dependency is failing.
 */
export async function serveGrpc(
  service: keyof typeof SERVICE_CATALOG,
  handler: object,
  config: GrpcServeConfig,
  logger: Logger,
  options: ServeGrpcOptions = {},
): Promise<RunningGrpcServer> {
  const entry = SERVICE_CATALOG[service];
  const bound = bindService(entry.definition, handler as never, { roles: RPC_ROLES[entry.fullName as keyof typeof RPC_ROLES] });
  const running = await startGrpcServer({
    serviceName: service,
    host: config.GRPC_HOST,
    port: config.GRPC_PORT,
    services: [bound],
    apiKeys: config.NOTIFY_API_KEYS,
    logger,
    tls: config.GRPC_TLS_CERT && config.GRPC_TLS_KEY ? { cert: readFileSync(config.GRPC_TLS_CERT), key: readFileSync(config.GRPC_TLS_KEY) } : undefined,
    protoFiles: [...entry.protoFiles],
    includeDirs: [PROTO_ROOT],
  }).catch((err: unknown) => {
    // grpc-js reports a taken port as "No address added out of total 1 resolved" with the listen errors inside.
    const text = `${err instanceof Error ? err.message : String(err)} ${JSON.stringify((err as { errors?: unknown }).errors ?? '')}`;
    if (/EADDRINUSE|address already in use/i.test(text)) throw new Error(`GRPC_PORT: ${config.GRPC_HOST}:${config.GRPC_PORT} is already in use`, { cause: err });
    throw err;
  });
  const { readiness } = options;
  if (!readiness) return running;
  running.setReady(readiness.state().ready);
  const unsubscribe = readiness.onChange((state) => running.setReady(state.ready));
  return {
    ...running,
    shutdown: (graceMs?: number) => {
      unsubscribe();
      return running.shutdown(graceMs);
    },
  };
}
