import { AlreadyExistsError, ConflictError } from '@notify/errors';
import type { Customer, CustomerStatus } from '../../../domain';
import type { CustomerCursor, CustomerListFilter, CustomerRepository } from '../../../application';
import { query, rowByIdReader, t, uniqueAs, type Row, type SqlContext } from '../sql.util';

/** Rows per query of {@link PgCustomerRepository.streamActive} (keyset pages on id). */
export const STREAM_PAGE_SIZE = 1000;

const COLUMNS =
  'id, name, phone, address, work_zone, package_name, status, wants_installation, created_at, updated_at, activated_at, version, suspended_at, suspension_reason, suspended_by';

function toCustomer(r: Row): Customer {
  return {
    id: r.id as string,
    name: r.name as string,
    phone: r.phone as string,
    address: r.address as string,
    workZone: r.work_zone as string,
    packageName: r.package_name as string,
    status: r.status as CustomerStatus,
    wantsInstallation: r.wants_installation as boolean,
    createdAt: r.created_at as Date,
    updatedAt: r.updated_at as Date,
    activatedAt: (r.activated_at as Date | null) ?? null,
    suspendedAt: (r.suspended_at as Date | null) ?? null,
    suspensionReason: (r.suspension_reason as string | null) ?? '',
    suspendedBy: (r.suspended_by as string | null) ?? null,
    version: r.version as number,
  };
}

/**
 * Customers in `<schema>.customers` through one EntityManager (a unit of work's transaction,
 * or the DataSource's for reads). Unique phone → AlreadyExistsError (on insert naming the customer
 * that holds it: `entity` `customer`, `id`); stale version → ConflictError.
 */
export class PgCustomerRepository implements CustomerRepository {
  /** findById (concurrent callers in one statement on the DataSource's manager: rowByIdReader). */
  private readonly byId: (id: string) => Promise<Row | null>;

  constructor(private readonly ctx: SqlContext) {
    this.byId = rowByIdReader(ctx, 'customers', COLUMNS);
  }

  async findById(id: string): Promise<Customer | null> {
    const row = await this.byId(id);
    return row ? toCustomer(row) : null;
  }

  async findByPhone(phone: string): Promise<Customer | null> {
    const rows = await query(this.ctx, `SELECT ${COLUMNS} FROM ${t(this.ctx, 'customers')} WHERE phone = $1`, [phone]);
    return rows[0] ? toCustomer(rows[0]) : null;
  }

  async save(c: Customer, expectedVersion: number): Promise<void> {
    const values = [
      c.id, c.name, c.phone, c.address, c.workZone, c.packageName, c.status, c.wantsInstallation, c.createdAt, c.updatedAt, c.activatedAt, c.version,
      c.suspendedAt, c.suspensionReason, c.suspendedBy,
    ];
    const phoneTaken = () => `phone ${c.phone} already belongs to another customer`;
    if (expectedVersion === 0) {
      // A phone already held (or being inserted by a concurrent transaction, waited for) inserts
      // nothing: the holder is read to name it (the transaction stays usable, unlike after a 23505).
      const inserted = await uniqueAs(
        () =>
          query(
            this.ctx,
            `INSERT INTO ${t(this.ctx, 'customers')} (${COLUMNS}) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15)
             ON CONFLICT ON CONSTRAINT customers_phone_key DO NOTHING RETURNING id`,
            values,
          ),
        (constraint) => (constraint === 'customers_pkey' ? `customer ${c.id} already exists` : phoneTaken()),
      );
      if (inserted.length) return;
      const holder = await this.findByPhone(c.phone);
      if (!holder) throw new AlreadyExistsError(phoneTaken());
      throw new AlreadyExistsError(`phone ${c.phone} already belongs to customer ${holder.id}`, { entity: 'customer', id: holder.id });
    }
    const rows = await uniqueAs(
      () =>
        query(
          this.ctx,
          `UPDATE ${t(this.ctx, 'customers')} SET name=$2, phone=$3, address=$4, work_zone=$5, package_name=$6, status=$7,
             wants_installation=$8, created_at=$9, updated_at=$10, activated_at=$11, version=$12,
             suspended_at=$13, suspension_reason=$14, suspended_by=$15
           WHERE id=$1 AND version=$16 RETURNING id`,
          [...values, expectedVersion],
        ),
      phoneTaken,
    );
    // pg returns [rows, count] for UPDATE … RETURNING through TypeORM; normalise both shapes.
    const updated = Array.isArray(rows[0]) ? (rows[0] as unknown[]).length : rows.length;
    if (updated === 0) throw new ConflictError(`customer ${c.id} was changed concurrently (expected version ${expectedVersion})`);
  }

  async list(filter: CustomerListFilter, limit: number, after: CustomerCursor | null): Promise<Customer[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.statuses?.length) where.push(`status = ANY($${params.push([...filter.statuses])})`);
    if (filter.query) {
      const pattern = `%${filter.query.replace(/[\\%_]/g, (m) => `\\${m}`)}%`;
      const i = params.push(pattern);
      // A phone-like query also matches the stored E.164 digits (digits only: no LIKE escapes).
      const p = filter.phone ? params.push(filter.phone.prefix ? `${filter.phone.digits}%` : `%${filter.phone.digits}%`) : 0;
      where.push(`(name ILIKE $${i} OR phone LIKE $${i}${p ? ` OR phone LIKE $${p}` : ''})`);
    }
    if (filter.workZone) where.push(`work_zone = $${params.push(filter.workZone)}`);
    if (after) where.push(`(name COLLATE "C", id COLLATE "C") > ($${params.push(after.name)}, $${params.push(after.id)})`);
    const sql = `SELECT ${COLUMNS} FROM ${t(this.ctx, 'customers')} ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
                 ORDER BY name COLLATE "C", id COLLATE "C" LIMIT $${params.push(limit)}`;
    return (await query(this.ctx, sql, params)).map(toCustomer);
  }

  /** Keyset pages of {@link STREAM_PAGE_SIZE} rows on id (from after `afterId`): memory holds one page at a time. */
  async *streamActive(filter: { readonly area?: string; readonly afterId?: string }): AsyncIterable<Customer> {
    let lastId: string | null = filter.afterId ?? null;
    for (;;) {
      const params: unknown[] = [];
      const where = [`status = 'ACTIVE'`];
      if (filter.area) where.push(`work_zone = $${params.push(filter.area)}`);
      if (lastId !== null) where.push(`id COLLATE "C" > $${params.push(lastId)}`);
      const rows = await query(
        this.ctx,
        `SELECT ${COLUMNS} FROM ${t(this.ctx, 'customers')} WHERE ${where.join(' AND ')} ORDER BY id COLLATE "C" LIMIT $${params.push(STREAM_PAGE_SIZE)}`,
        params,
      );
      for (const r of rows) yield toCustomer(r);
      if (rows.length < STREAM_PAGE_SIZE) return;
      lastId = rows[rows.length - 1]!.id as string;
    }
  }
}
