import pino from 'pino';

/**
 * The logging surface grpc-kit needs: pino's `(object, message)` call shape, so a pino
 * logger from `@notify/logger` fits as is. Objects may carry `err`, `trace_id`,
 * `grpc_method`; secrets (API keys) are never passed in.
 */
export interface KitLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

let fallback: KitLogger | undefined;

/** A plain pino JSON logger on stdout, used only when the caller gave none. */
export function defaultLogger(): KitLogger {
  fallback ??= pino({ base: { lib: 'grpc-kit' } });
  return fallback;
}
