import { z } from 'zod';
import { envSchema, loadConfig, platformEnv, grpcServerEnv, databaseEnv, natsEnv, outboxEnv, serviceAddrEnv, durationMs, type ConfigOf, type Env } from '@notify/config';

/**
 * The scheduler service's environment (parsed once, fail fast, frozen). Every variable is
 * listed in .env.example; process.env is read nowhere else in this service.
 */
const schema = envSchema({
  ...platformEnv('scheduler'),
  ...grpcServerEnv('scheduler'),
  ...databaseEnv('scheduler'), ...outboxEnv('scheduler'),
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
});

/** The zod schema of this service's environment (deploy-file checks read its keys). */
export const configSchema = schema;

/** The parsed, frozen environment of the scheduler service. */
export type SchedulerConfig = ConfigOf<typeof schema>;

/** Parses the environment; throws ConfigError naming every bad variable. */
export const loadSchedulerConfig = (env?: Env): SchedulerConfig => loadConfig(schema, env);
