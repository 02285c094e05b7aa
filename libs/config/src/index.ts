// @notify/config: the environment, parsed once with zod, fail fast, frozen.
// Each service composes its own `src/config.ts` from these pieces:
//
//   const schema = envSchema({
//     ...platformEnv('ticket'), ...grpcServerEnv('ticket'), ...databaseEnv('ticket'), ...natsEnv(),
//     ...serviceAddrEnv('customer'),
//   });
//   export type TicketConfig = ConfigOf<typeof schema>;
//   export const loadTicketConfig = (env?: Env) => loadConfig(schema, env);
export { z } from 'zod';
export * from './load-config';
export * from './env-helpers';
export * from './api-keys.schema';
export * from './service-env.schema';
export * from './stack-info-file';

import type { z } from 'zod';
import type { DeepReadonly } from './load-config';
/** The frozen config type a schema produces. */
export type ConfigOf<S extends z.ZodType> = DeepReadonly<z.output<S>>;
