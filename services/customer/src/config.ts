import { envSchema, loadConfig, platformEnv, grpcServerEnv, databaseEnv, readinessEnv, durationMs, natsEnv, outboxEnv, housekeepingEnv, type ConfigOf, type Env } from '@notify/config';

/**
 * The customer service's environment (parsed once, fail fast, frozen). Every variable is
 * listed in .env.example; process.env is read nowhere else in this service.
 */
const schema = envSchema({
  ...platformEnv('customer'),
  ...grpcServerEnv('customer'),
  ...databaseEnv('customer'), ...readinessEnv(), ...outboxEnv('customer'), ...housekeepingEnv(), ...natsEnv(),
  /**
   * How long the routing rules of a notification type are kept in memory, ms (default 2 s; 0
   * reads Postgres on every ResolveRecipients). A rule changed through this replica applies at
   * once; other replicas pick it up within this time.
   */
  ROUTING_RULES_CACHE_TTL_MS: durationMs().default(2_000),
});

/** The zod schema of this service's environment (deploy-file checks read its keys). */
export const configSchema = schema;

export type CustomerConfig = ConfigOf<typeof schema>;

/** Parses the environment; throws ConfigError naming every bad variable. */
export const loadCustomerConfig = (env?: Env): CustomerConfig => loadConfig(schema, env);
