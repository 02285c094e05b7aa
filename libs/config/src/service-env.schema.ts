import { z } from 'zod';
import { apiKeys } from './api-keys.schema';
import { bool, durationMs, grpcAddress, oneOf, port, url } from './env-helpers';

/** Default gRPC port of each service (issue 2): `GRPC_PORT` overrides it, `<SERVICE>_ADDR` points at it. */
export const SERVICE_PORTS = { ticket: 50051, customer: 50052, template: 50053, scheduler: 50054, gateway: 50055 } as const;
export type ServiceName = keyof typeof SERVICE_PORTS;
export const SERVICE_NAMES = Object.keys(SERVICE_PORTS) as ServiceName[];

/**
 * V8's old-space cap of each service process, MiB (`node --max-old-space-size`, given through
 * `NODE_OPTIONS` by {@link heapCapNodeOptions}: in `npm run start:services`, docker-compose.yml and
 * deploy/k8s, where the Kubernetes memory limit leaves room above it for the young generation,
 * code and native buffers).
 *
 * Without a cap V8 sizes the heap from the machine's memory (4 GiB on a 24 GiB host) and, under
 * a high allocation rate, lets it grow to about four times the live data between full
 * collections. Measured with `npm run bench broadcast` (100,000 recipients, 2026-12-06, alternating
 * runs): the gateway's live heap stayed at 81–110 MiB while, uncapped, its RSS went from 266 MiB
 * to 745–752 MiB (over the 512 MiB container limit it then had); capped at 384 MiB its RSS stayed
 * at 430–446 MiB from 10% of the messages to the end, at 2280–2370 deliveries/s against 2130–2600
 * uncapped. The customer service's peak went from 445–451 to 335–340 MiB at 256 MiB.
 */
export const SERVICE_HEAP_MB: Readonly<Record<ServiceName, number>> = {
  ticket: 256,
  customer: 256,
  template: 256,
  scheduler: 256,
  gateway: 384,
};

/**
 * `NODE_OPTIONS` for a service process: `current` with `--max-old-space-size=<heapMb>` appended,
 * unless `current` already sets `--max-old-space-size` or `--max-old-space-size-percentage` (an
 * operator's own choice wins). E.g. `heapCapNodeOptions('--enable-source-maps', 384)` →
 * `'--enable-source-maps --max-old-space-size=384'`.
 */
export function heapCapNodeOptions(current: string | undefined, heapMb: number): string {
  const own = (current ?? '').trim();
  if (/(^|\s)--max[-_]old[-_]space[-_]size/.test(own)) return own;
  return [own, `--max-old-space-size=${heapMb}`].filter(Boolean).join(' ');
}

export const NODE_ENVS = ['development', 'test', 'production'] as const;
export type NodeEnv = (typeof NODE_ENVS)[number];
/** pino levels. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * Variables every process has:
 * - `NODE_ENV` development | test | production, default production (development = pretty logs).
 * - `LOG_LEVEL` one of {@link LOG_LEVELS}, default info.
 * - `OTEL_SERVICE_NAME` default the service's name (`ticket`, …): one name per service everywhere.
 * - `OTEL_EXPORTER_OTLP_ENDPOINT` optional http(s) URL of an OTLP/HTTP receiver (e.g.
 *   `http://jaeger:4318`); unset = spans are not exported.
 * - `SHUTDOWN_GRACE_MS` how long SIGTERM shutdown may take before forcing, ms, default 10000.
 */
export function platformEnv(service: ServiceName) {
  return {
    NODE_ENV: oneOf(NODE_ENVS).default('production'),
    LOG_LEVEL: oneOf(LOG_LEVELS).default('info'),
    OTEL_SERVICE_NAME: z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9._-]{1,64}$/, 'must be 1-64 characters of A-Z a-z 0-9 . _ -')
      .default(service),
    OTEL_EXPORTER_OTLP_ENDPOINT: url(['http:', 'https:']).optional(),
    SHUTDOWN_GRACE_MS: durationMs().default(10_000),
  };
}

/**
 * Variables of a gRPC server:
 * - `GRPC_HOST` bind address, default `0.0.0.0`.
 * - `GRPC_PORT` default {@link SERVICE_PORTS}[service]; 0 = any free port (tests).
 * - `GRPC_TLS_CERT` / `GRPC_TLS_KEY` optional paths to PEM files; set both or neither
 *   ({@link envSchema} checks the pair). Unset = plaintext (inside the cluster network).
 * - `NOTIFY_API_KEYS` required: comma-separated `key:role[:staff_id]` (see `parseApiKeys`).
 */
export function grpcServerEnv(service: ServiceName) {
  return {
    GRPC_HOST: z.string().trim().min(1).default('0.0.0.0'),
    GRPC_PORT: port().default(SERVICE_PORTS[service]),
    GRPC_TLS_CERT: z.string().trim().min(1).optional(),
    GRPC_TLS_KEY: z.string().trim().min(1).optional(),
    NOTIFY_API_KEYS: apiKeys(),
  };
}

/**
 * Variables of a service that owns a Postgres schema:
 * - `DATABASE_URL` optional `postgres://` / `postgresql://` URL; unset = the embedded
 *   Postgres (PGlite) of `npm start`.
 * - `DATABASE_SCHEMA` the service's schema, default the service's name; a lower-case SQL
 *   identifier (tests use a unique one per file).
 * - `DATABASE_PREPARED_STATEMENTS` run the hot statements as named prepared statements (parsed
 *   once per connection; default true). Set false where several client connections share one
 *   Postgres session: PgBouncer in transaction pooling mode (`npm start` turns them off for its
 *   embedded PGlite itself).
 */
export function databaseEnv(service: ServiceName) {
  return {
    DATABASE_URL: url(['postgres:', 'postgresql:']).optional(),
    DATABASE_SCHEMA: z
      .string()
      .trim()
      .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'must be a lower-case SQL identifier (a-z 0-9 _, at most 63 characters)')
      .default(service),
    DATABASE_PREPARED_STATEMENTS: bool().default(true),
  };
}

/**
 * Variables of a service with a transactional outbox (ticket, customer, scheduler, gateway):
 * - `OUTBOX_RETENTION_MS` how long published outbox rows are kept, a duration (`0`, `30s`,
 *   `24h`…). `0` = deleted as they are published (the JetStream stream is the record of what
 *   was published); otherwise marked published and purged by the relay once older. Default: the
 *   gateway 0 (two delivery events per message would otherwise double its outbox writes and
 *   keep growing), the other services 24 h (a day of their events stays queryable in Postgres).
 */
export function outboxEnv(service: ServiceName) {
  return {
    OUTBOX_RETENTION_MS: durationMs().default(service === 'gateway' ? 0 : 24 * 3_600_000),
  };
}

/**
 * Variables of the housekeeping of a service's platform tables (ticket, customer, scheduler,
 * gateway; see `startHousekeeping` in @notify/db):
 * - `HOUSEKEEPING_INTERVAL_MS` time between two clean-up passes, a duration (default `1h`;
 *   `0` = no clean-up).
 * - `PROCESSED_EVENTS_RETENTION_MS` how long `processed_events` claims (idempotency keys of
 *   handled events and requests) are kept, a duration (default `30d`: longer than any event
 *   stream keeps a message, 14 days at most, so a redelivered event still finds its claim;
 *   `0` = kept for ever; a value under 14 days is refused: it would let a redelivered event act
 *   twice).
 */
export function housekeepingEnv() {
  return {
    // Node's timers take at most 2^31-1 ms (~24.8 days): a longer delay would fire at once, in a loop.
    HOUSEKEEPING_INTERVAL_MS: durationMs().refine((ms) => ms <= 2_147_483_647, { message: 'must be at most 24d (a longer timer fires at once)' }).default(3_600_000),
    PROCESSED_EVENTS_RETENTION_MS: durationMs()
      .refine((ms) => ms === 0 || ms >= 14 * 86_400_000, { message: 'must be 0 (kept for ever) or at least 14d (the longest a stream keeps an event)' })
      .default(30 * 86_400_000),
  };
}

/**
 * Readiness checks of every service (libs/service-runtime startReadiness: `SELECT 1` on Postgres;
 * NATS is not checked, no request needs it: events wait in the outbox; the service's named gRPC
 * health entry, and the gateway's `/readyz`, follow them): `READINESS_INTERVAL_MS` between two
 * rounds (default 5 s), `READINESS_FAILURE_THRESHOLD` failed checks in a row before Postgres makes
 * the service not ready (default 3), `READINESS_TIMEOUT_MS` after which a check still pending has
 * failed (default 5 s: the check queues for a pool connection like any query, and a burst must not
 * take a pod out).
 */
export function readinessEnv() {
  const timer = (what: string) => durationMs().refine((ms) => ms >= 100 && ms <= 2_147_483_647, { message: `${what} must be between 100ms and 24d` });
  return {
    READINESS_INTERVAL_MS: timer('the interval').default(5_000),
    READINESS_FAILURE_THRESHOLD: z.coerce.number().int('must be a whole number').min(1, 'must be at least 1').max(100, 'must be at most 100').default(3),
    READINESS_TIMEOUT_MS: timer('the timeout').default(5_000),
  };
}

const NATS_SERVER = /^((nats|tls|ws|wss):\/\/)?([^\s/:@]+(:[^\s/@]*)?@)?(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9._-]+)(:\d{1,5})?\/?$/;

/**
 * Variables of a process that uses events:
 * - `NATS_URL` optional: one server or a comma-separated list (`nats://host:4222`,
 *   `tls://…`, `ws(s)://…` or bare `host:port`); unset = the in-process bus (single process).
 *   Output: the string as given (trimmed); split on `,` for several servers.
 * - `NATS_NAMESPACE` optional prefix (1-32 of A-Z a-z 0-9 _ -) for streams, subjects and
 *   durable consumers, so concurrent test runs do not share them.
 * - `NATS_STREAM_REPLICAS` replicas of each event stream (JetStream `num_replicas`, 1-5,
 *   default 1): 3 on a three-node JetStream cluster, so an acknowledged event survives the loss
 *   of one node; a single server refuses more than 1.
 */
export function natsEnv() {
  return {
    NATS_URL: z
      .string()
      .trim()
      .refine((s) => s.split(',').every((p) => NATS_SERVER.test(p.trim())), {
        message: 'must be a NATS server URL (nats://host:4222) or a comma-separated list of them',
      })
      .optional(),
    NATS_NAMESPACE: z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9_-]{1,32}$/, 'must be 1-32 characters of A-Z a-z 0-9 _ -')
      .optional(),
    NATS_STREAM_REPLICAS: z.coerce.number().int().min(1, 'must be 1 to 5').max(5, 'must be 1 to 5').default(1),
  };
}

/** `CUSTOMER_ADDR`-style variable name of a service's address. */
export type ServiceAddrVar<S extends ServiceName> = `${Uppercase<S>}_ADDR`;

/**
 * `<SERVICE>_ADDR` variables for the services this process calls, each a gRPC address
 * (`host:port`), default `127.0.0.1:<its default port>` (the embedded / laptop layout).
 * Example: `serviceAddrEnv('customer', 'template')` → `CUSTOMER_ADDR`, `TEMPLATE_ADDR`.
 */
export function serviceAddrEnv<S extends ServiceName>(...services: S[]) {
  const shape: Record<string, z.ZodType> = {};
  for (const s of services) shape[`${s.toUpperCase()}_ADDR`] = grpcAddress().default(`127.0.0.1:${SERVICE_PORTS[s]}`);
  return shape as { [K in S as ServiceAddrVar<K>]: z.ZodDefault<ReturnType<typeof grpcAddress>> };
}
