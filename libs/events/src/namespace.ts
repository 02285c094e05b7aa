/**
 * Optional namespaces keep parallel test runs apart on one NATS server: with namespace
 * `t123` the ticket stream is `T123_TICKET_EVENTS`, its subjects `t123.notify.ticket.v1.>`
 * and durable consumers `t123-gateway-ticket`. No namespace = the production names.
 */

/** Letters, digits, `_` and `-`, 1..32 characters (a valid subject token, stream and durable name part). */
const NAMESPACE_PATTERN = /^[A-Za-z0-9_-]{1,32}$/;

/**
 * Returns the namespace unchanged when valid, `undefined` for `undefined` or `''`.
 * @throws TypeError naming the value when it has dots, spaces, wildcards or is too long.
 */
export function checkNamespace(ns: string | undefined): string | undefined {
  if (ns === undefined || ns === '') return undefined;
  if (!NAMESPACE_PATTERN.test(ns)) {
    throw new TypeError(`event namespace ${JSON.stringify(ns)} must match ${NAMESPACE_PATTERN} (no dots, spaces or wildcards)`);
  }
  return ns;
}
