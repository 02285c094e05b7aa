import { z } from 'zod';
import { durationMs, envSchema, loadConfig, platformEnv, grpcServerEnv, databaseEnv, readinessEnv, natsEnv, outboxEnv, housekeepingEnv, serviceAddrEnv, type ConfigOf, type Env } from '@notify/config';

/**
 * The ticket service's environment (parsed once, fail fast, frozen). Every variable is
 * listed in .env.example; process.env is read nowhere else in this service.
 */
const schema = envSchema({
  ...platformEnv('ticket'),
  ...grpcServerEnv('ticket'),
  ...databaseEnv('ticket'), ...readinessEnv(), ...outboxEnv('ticket'), ...housekeepingEnv(), ...natsEnv(), ...serviceAddrEnv('customer'),
  /**
   * The API key this service presents to other services (role `service`), e.g. to the
   * customer service's GetStaff when a ticket is assigned. Optional so the process starts
   * without it; AssignTicket then fails with UNAVAILABLE naming the variable.
   */
  SERVICE_API_KEY: z.string().trim().min(16, 'must be at least 16 characters').optional(),
  /**
   * How long a staff member found through GetStaff (AssignTicket's technician: name, role, zones,
   * active) is kept, ms (default 2 s; 0 = ask every time): a staff change in the customer service
   * applies to assignments within it. Unknown ids and failures are never kept.
   */
  DIRECTORY_CACHE_TTL_MS: durationMs().default(2_000),
});

/** The zod schema of this service's environment (deploy-file checks read its keys). */
export const configSchema = schema;

export type TicketConfig = ConfigOf<typeof schema>;

/** Parses the environment; throws ConfigError naming every bad variable. */
export const loadTicketConfig = (env?: Env): TicketConfig => loadConfig(schema, env);
