import { envSchema, loadConfig, platformEnv, grpcServerEnv, databaseEnv, readinessEnv, durationMs, type ConfigOf, type Env } from '@notify/config';

/**
 * The template service's environment (parsed once, fail fast, frozen). Every variable is
 * listed in .env.example; process.env is read nowhere else in this service.
 */
const schema = envSchema({
  ...platformEnv('template'),
  ...grpcServerEnv('template'),
  ...databaseEnv('template'), ...readinessEnv(),
  /**
   * How long the active version of a template (key, channel, locale) is kept in memory, ms
   * (default 2 s; 0 reads Postgres on every render). A change made through this replica applies
   * at once; other replicas pick it up within this time.
   */
  TEMPLATE_CACHE_TTL_MS: durationMs().default(2_000),
});

/** The zod schema of this service's environment (deploy-file checks read its keys). */
export const configSchema = schema;

export type TemplateConfig = ConfigOf<typeof schema>;

/** Parses the environment; throws ConfigError naming every bad variable. */
export const loadTemplateConfig = (env?: Env): TemplateConfig => loadConfig(schema, env);
