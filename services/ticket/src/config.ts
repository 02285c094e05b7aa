import { envSchema, loadConfig, platformEnv, grpcServerEnv, databaseEnv, natsEnv, serviceAddrEnv, type ConfigOf, type Env } from '@notify/config';

/**
 * The ticket service's environment (parsed once, fail fast, frozen). Every variable is
 * listed in .env.example; process.env is read nowhere else in this service.
 */
const schema = envSchema({
  ...platformEnv('ticket'),
  ...grpcServerEnv('ticket'),
  ...databaseEnv('ticket'), ...natsEnv(), ...serviceAddrEnv('customer'),
});

export type TicketConfig = ConfigOf<typeof schema>;

/** Parses the environment; throws ConfigError naming every bad variable. */
export const loadTicketConfig = (env?: Env): TicketConfig => loadConfig(schema, env);
