import type { QueryRunner } from 'typeorm';
import { dataSourceSchema } from './data-source.factory';
import { qualifiedTable } from './schema-name';

/**
 * Helpers for writing a service's class-based migrations against its schema, which is only
 * known at run time (`createDataSource({ schema })`; tests use a unique schema per file):
 *
 * ```ts
 * export class CreateTickets1795400000000 implements MigrationInterface {
 *   name = 'CreateTickets1795400000000';
 *   async up(qr: QueryRunner) {
 *     await qr.query(`CREATE TABLE ${table(qr, 'tickets')} (id uuid PRIMARY KEY, …)`);
 *   }
 *   async down(qr: QueryRunner) { await qr.query(`DROP TABLE ${table(qr, 'tickets')}`); }
 * }
 * ```
 */

/** The schema of the DataSource the migration runs on (validated identifier, unquoted). */
export function migrationSchema(queryRunner: QueryRunner): string {
  return dataSourceSchema(queryRunner.dataSource);
}

/** `"<schema>"."<name>"` for the DataSource's schema: use for tables, types and sequences. */
export function table(queryRunner: QueryRunner, name: string): string {
  return qualifiedTable(migrationSchema(queryRunner), name);
}
