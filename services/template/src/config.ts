import { envSchema, loadConfig, platformEnv, grpcServerEnv, databaseEnv, type ConfigOf, type Env } from '@notify/config';

/**
 * The template service's environment (parsed once, fail fast, frozen). Every variable is
 * listed in .env.example; process.env is read nowhere else in this service.
 */
const schema = envSchema({
  ...platformEnv('template'),
  ...grpcServerEnv('template'),
  ...databaseEnv('template'),
});

/** The zod schema of this service's environment (deploy-file checks read its keys). */
export const configSchema = schema;

export type TemplateConfig = ConfigOf<typeof schema>;

/** Parses the environment; throws ConfigError naming every bad variable. */
export const loadTemplateConfig = (env?: Env): TemplateConfig => loadConfig(schema, env);
