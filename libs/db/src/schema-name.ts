/**
 * Service schema names. One Postgres schema per service (ticket, customer, template,
 * scheduler, gateway; tests use unique throw-away names). Names are restricted to lower-case
 * identifiers so they can be interpolated into SQL safely and so the outbox NOTIFY channel
 * `<schema>_outbox` stays within Postgres' 63-byte identifier limit.
 */
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,55}$/;

/**
 * Throws a `TypeError` unless `schema` matches `^[a-z_][a-z0-9_]{0,55}$` (a programming or
 * configuration error, caught at start-up).
 */
export function assertSchemaName(schema: string): string {
  if (typeof schema !== 'string' || !SCHEMA_NAME.test(schema)) {
    throw new TypeError(
      `invalid Postgres schema name ${JSON.stringify(schema)}: expected lower-case letters, digits and "_" (at most 56 characters, not starting with a digit)`,
    );
  }
  return schema;
}

/** `"<schema>"."<table>"` for raw SQL; both parts are validated identifiers. */
export function qualifiedTable(schema: string, table: string): string {
  assertSchemaName(schema);
  if (!/^[a-z_][a-z0-9_]*$/.test(table)) throw new TypeError(`invalid table name ${JSON.stringify(table)}`);
  return `"${schema}"."${table}"`;
}

/** The LISTEN/NOTIFY channel on which `appendToOutbox` signals new rows: `<schema>_outbox`. */
export function outboxChannel(schema: string): string {
  return `${assertSchemaName(schema)}_outbox`;
}
