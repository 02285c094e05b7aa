/**
 * `promise`, or a rejection with `error()` when it has not settled within `ms` ms (the timer is
 * cleared either way; a late rejection of `promise` is then ignored). The outbox relay's publish
 * acknowledgements and the readiness checks use it.
 */
export function withTimeout<T>(promise: Promise<T>, ms: number, error: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(error()), ms);
  });
  promise.catch(() => undefined); // a late rejection after the timeout is not unhandled
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
