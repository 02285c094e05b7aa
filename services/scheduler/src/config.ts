import { z } from 'zod';
import { envSchema, loadConfig, platformEnv, grpcServerEnv, databaseEnv, readinessEnv, natsEnv, outboxEnv, housekeepingEnv, serviceAddrEnv, durationMs, type ConfigOf, type Env } from '@notify/config';

/**
 * The scheduler service's environment (parsed once, fail fast, frozen). Every variable is
 * listed in .env.example; process.env is read nowhere else in this service.
 */
const schema = envSchema({
  ...platformEnv('scheduler'),
  ...grpcServerEnv('scheduler'),
  ...databaseEnv('scheduler'), ...readinessEnv(), ...outboxEnv('scheduler'), ...housekeepingEnv(),
  ...natsEnv(),
  // TICKET_ADDR (SLA monitor, summaries), CUSTOMER_ADDR (reminders, technicians), TEMPLATE_ADDR (campaign template keys).
  ...serviceAddrEnv('ticket', 'customer', 'template'),
  /**
   * The API key this service presents to the ticket, customer and template services (role
   * `service`). Optional so the process starts without it; the jobs then fail (recorded FAILED,
   * retried) and ScheduleCampaign answers UNAVAILABLE, naming the variable.
   */
  SERVICE_API_KEY: z.string().trim().min(16, 'must be at least 16 characters').optional(),
  /** Deadline of each call to the ticket, customer and template services, ms (or 5s…); default 5000. */
  RPC_DEADLINE_MS: durationMs().default(5000),
  /**
   * Catch-up of a missed cron tick at engine start, ms (or 30m, 6h…); default 21600000 (6 h);
   * 0 = no catch-up. pg-boss fires a cron tick only while it is under 60 s old
   * (node_modules/pg-boss/src/timekeeper.js `shouldSendIt`), so a tick that falls while no
   * replica runs is otherwise lost. At start the engine runs each non-paused job's latest tick
   * once if it is at most this old and has no run (PgBossJobEngine, "catch-up"). 6 h: the 18:00
   * daily summary still goes out the same WIB evening, the 09:00 payment reminders the same
   * working day; an older tick is left alone (its message would be stale).
   */
  SCHEDULER_CATCHUP_WINDOW_MS: durationMs().default(6 * 3_600_000),
});

/** The zod schema of this service's environment (deploy-file checks read its keys). */
export const configSchema = schema;

/** The parsed, frozen environment of the scheduler service. */
export type SchedulerConfig = ConfigOf<typeof schema>;

/** Parses the environment; throws ConfigError naming every bad variable. */
export const loadSchedulerConfig = (env?: Env): SchedulerConfig => loadConfig(schema, env);
