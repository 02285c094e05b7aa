import { envSchema, loadConfig, platformEnv, grpcServerEnv, databaseEnv, natsEnv, serviceAddrEnv, type ConfigOf, type Env } from '@notify/config';

/**
 * The gateway service's environment (parsed once, fail fast, frozen). Every variable is
 * listed in .env.example; process.env is read nowhere else in this service.
 */
const schema = envSchema({
  ...platformEnv('gateway'),
  ...grpcServerEnv('gateway'),
  ...databaseEnv('gateway'), ...natsEnv(), ...serviceAddrEnv('customer', 'template', 'ticket'),
});

export type GatewayConfig = ConfigOf<typeof schema>;

/** Parses the environment; throws ConfigError naming every bad variable. */
export const loadGatewayConfig = (env?: Env): GatewayConfig => loadConfig(schema, env);
