// A fresh Postgres schema with the gateway's migrations applied, for store-level tests.
import { createDataSource, runMigrations } from '@notify/db';
import { createTestSchema, type TestSchema } from '@notify/testing';
import type { DataSource } from 'typeorm';
import { gatewayEntities } from '../../src/infrastructure/persistence/gateway.entities';
import { gatewayMigrations } from '../../src/infrastructure/persistence/migrations';

export interface GatewaySchema {
  readonly pg: TestSchema;
  readonly ds: DataSource;
  /** Destroys the DataSource and drops the schema. */
  close(): Promise<void>;
}

/** Creates schema `<prefix>_…`, a DataSource of `poolSize` connections on it, and migrates it. */
export async function openGatewaySchema(prefix: string, poolSize: number): Promise<GatewaySchema> {
  const pg = await createTestSchema(prefix);
  const ds = createDataSource({ url: pg.url, schema: pg.schema, entities: gatewayEntities, migrations: gatewayMigrations, poolSize });
  await runMigrations(ds);
  return {
    pg,
    ds,
    async close() {
      await ds.destroy();
      await pg.dropSchema();
    },
  };
}
