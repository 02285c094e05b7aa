import type { MigrationInterface, QueryRunner } from 'typeorm';
import { table } from '@notify/db';

/**
 * ListCustomers and ListStaff page by name in byte order (`ORDER BY name COLLATE "C", id COLLATE
 * "C"` with a keyset on both, CustomerRepository.list / StaffRepository.list: the same order on
 * every database whatever its default collation). The first migration's indexes were
 * `customers (created_at DESC, id DESC)` (the order ListCustomers had before) and
 * `staff (name, id)` in the database's collation; neither serves that order, so every page read
 * and sorted the whole table. These do: customers by name, and by area then name (the work_zone
 * filter), staff by name.
 */
export class ListByNameIndexes1795400300000 implements MigrationInterface {
  name = 'ListByNameIndexes1795400300000';

  async up(qr: QueryRunner): Promise<void> {
    const customers = table(qr, 'customers');
    const staff = table(qr, 'staff');
    await qr.query(`DROP INDEX IF EXISTS ${table(qr, 'customers_created_idx')}`);
    await qr.query(`CREATE INDEX customers_name_idx ON ${customers} (name COLLATE "C", id COLLATE "C")`);
    await qr.query(`CREATE INDEX customers_zone_name_idx ON ${customers} (work_zone, name COLLATE "C", id COLLATE "C")`);
    await qr.query(`DROP INDEX IF EXISTS ${table(qr, 'staff_name_idx')}`);
    await qr.query(`CREATE INDEX staff_name_idx ON ${staff} (name COLLATE "C", id COLLATE "C")`);
  }

  async down(qr: QueryRunner): Promise<void> {
    await qr.query(`DROP INDEX IF EXISTS ${table(qr, 'staff_name_idx')}`);
    await qr.query(`CREATE INDEX staff_name_idx ON ${table(qr, 'staff')} (name, id)`);
    await qr.query(`DROP INDEX IF EXISTS ${table(qr, 'customers_zone_name_idx')}`);
    await qr.query(`DROP INDEX IF EXISTS ${table(qr, 'customers_name_idx')}`);
    await qr.query(`CREATE INDEX customers_created_idx ON ${table(qr, 'customers')} (created_at DESC, id DESC)`);
  }
}
