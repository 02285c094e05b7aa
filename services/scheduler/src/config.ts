import { envSchema, loadConfig, platformEnv, grpcServerEnv, databaseEnv, natsEnv, serviceAddrEnv, type ConfigOf, type Env } from '@notify/config';

/**
 * The scheduler service's environment (parsed once, fail fast, frozen). Every variable is
 * listed in .env.example; process.env is read nowhere else in this service.
 */
const schema = envSchema({
  ...platformEnv('scheduler'),
  ...grpcServerEnv('scheduler'),
  ...databaseEnv('scheduler'), ...natsEnv(), ...serviceAddrEnv('ticket', 'customer', 'template'),
});

/** The zod schema of this service's environment (deploy-file checks read its keys). */
export const configSchema = schema;

export type SchedulerConfig = ConfigOf<typeof schema>;

/** Parses the environment; throws ConfigError naming every bad variable. */
export const loadSchedulerConfig = (env?: Env): SchedulerConfig => loadConfig(schema, env);
