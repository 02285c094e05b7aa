import { TimeoutError, UnavailableError } from '@notify/errors';

/**
 * A failed call to a service the ticket service depends on, named: UNAVAILABLE / a timeout from
 * the customer service reaches the caller as `the customer service is unavailable: <cause>` (or
 * `did not answer in time`), same status (QA: `tickets create` with the customer service down
 * answered a bare "No connection established … 127.0.0.1:27681", which read as the ticket
 * service's own fault). Other errors are returned unchanged.
 */
export function namedDependencyError(err: unknown, service: string): unknown {
  if (err instanceof UnavailableError) return new UnavailableError(`the ${service} is unavailable: ${err.message}`, { cause: err });
  if (err instanceof TimeoutError) return new TimeoutError(`the ${service} did not answer in time: ${err.message}`, { cause: err });
  return err;
}
