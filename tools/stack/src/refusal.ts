import { ConfigError } from '@notify/config';

/**
 * A start refused for a reason the user can act on (a port in use, the data folder held by
 * another process, a bad STACK_PORTS or NOTIFY_API_KEYS): the entry points print its message
 * as it is, without a JavaScript stack, and exit non-zero. Both entry points (start:services,
 * `npm start`) check what they can refuse before they start anything (no PGlite, bus, simulator
 * or service runs for a refused start). Anything else is unexpected and keeps its stack.
 */
export class StackStartRefusal extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StackStartRefusal';
  }
}

/**
 * What an entry point prints for a failed start: the message alone for an expected situation
 * (a {@link StackStartRefusal}, or a service's ConfigError naming every bad variable), the
 * stack for anything else.
 */
export function describeStartFailure(err: unknown): string {
  if (err instanceof StackStartRefusal || err instanceof ConfigError) return err.message;
  return err instanceof Error ? (err.stack ?? err.message) : String(err);
}
