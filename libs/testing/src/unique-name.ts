import { randomBytes } from 'node:crypto';

/**
 * `t_<prefix>_<8 hex>`: lower-case letters, digits and `_` only, at most 40 characters, so it
 * is valid as a Postgres schema, a NATS subject token and (upper-cased) a JetStream stream name.
 */
export function uniqueName(prefix: string): string {
  const clean = prefix
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 28);
  return `t_${clean ? `${clean}_` : ''}${randomBytes(4).toString('hex')}`;
}
