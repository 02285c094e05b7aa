import { AlreadyExistsError } from '@notify/errors';
import { formatInvoiceNumber, invoiceNumberMonth, type Invoice, type InvoiceStatus } from '../../../domain';
import type { InvoiceCursor, InvoiceListFilter, InvoiceRepository } from '../../../application';
import { query, t, uniqueAs, type Row, type SqlContext } from '../sql.util';

/** `due_date` is read as text (`YYYY-MM-DD`) so no time zone ever touches a calendar date. */
const COLUMNS = `id, customer_id, number, amount_rupiah::text AS amount_rupiah, due_date::text AS due_date, status, description, created_at,
  status_changed_at, status_reason, status_changed_by`;

function toInvoice(r: Row): Invoice {
  return {
    id: r.id as string,
    customerId: r.customer_id as string,
    number: (r.number as string | null) ?? null,
    amount: Number(r.amount_rupiah as string),
    dueDate: r.due_date as string,
    status: r.status as InvoiceStatus,
    description: r.description as string,
    createdAt: r.created_at as Date,
    statusChangedAt: (r.status_changed_at as Date | null) ?? null,
    statusReason: (r.status_reason as string | null) ?? '',
    statusChangedBy: (r.status_changed_by as string | null) ?? null,
  };
}

/**
 * Invoices in `<schema>.invoices` (amount_rupiah bigint, due_date date; the status change's
 * status_changed_at, status_reason and status_changed_by, migration 1795400500000); duplicate id or number →
 * AlreadyExistsError (a number's naming the invoice that holds it). Invoices stored without a number are numbered from
 * `<schema>.invoice_number_counters` (one row per month `YYYYMM`, `last_value` = the last
 * sequence number given), see {@link PgInvoiceRepository.insert}.
 */
export class PgInvoiceRepository implements InvoiceRepository {
  constructor(private readonly ctx: SqlContext) {}

  /**
   * An explicit number: one `INSERT … ON CONFLICT ON CONSTRAINT invoices_number_key DO NOTHING`
   * (waiting for a concurrent insert of the number to commit or roll back); nothing inserted →
   * AlreadyExistsError naming the number, with `entity` `invoice` and `id` the id of the invoice
   * that holds it (read after the conflict, so this works inside a transaction too). No number: one transaction that takes the next value
   * of the month's counter (`INSERT … ON CONFLICT (month) DO UPDATE … RETURNING`: the row lock
   * serializes concurrent creates of a month on every replica until commit) and inserts the
   * invoice with `INV-YYYYMM-NNNN`; when an explicit invoice already holds that number
   * (`ON CONFLICT ON CONSTRAINT invoices_number_key DO NOTHING` inserted nothing) it takes the
   * next one. A failed insert (duplicate id, unknown customer) rolls the counter back with it.
   */
  async insert(i: Invoice): Promise<Invoice> {
    const message = (number: string | null) => (constraint: string) =>
      constraint === 'invoices_number_key' ? `invoice number ${number} already exists` : `invoice ${i.id} already exists`;
    if (i.number !== null) {
      const inserted = await uniqueAs(
        () => query(this.ctx, this.insertSql('ON CONFLICT ON CONSTRAINT invoices_number_key DO NOTHING RETURNING id'), this.params(i, i.number!)),
        message(i.number),
      );
      if (inserted.length) return i;
      const [holder] = await query(this.ctx, `SELECT id FROM ${t(this.ctx, 'invoices')} WHERE number = $1`, [i.number]);
      throw new AlreadyExistsError(message(i.number)('invoices_number_key'), holder ? { entity: 'invoice', id: holder.id as string } : undefined);
    }
    const month = invoiceNumberMonth(i.createdAt);
    return uniqueAs(
      () =>
        this.ctx.manager.transaction(async (manager) => {
          const tx: SqlContext = { manager, schema: this.ctx.schema };
          for (;;) {
            const [counter] = await query(
              tx,
              `INSERT INTO ${t(tx, 'invoice_number_counters')} AS c (month, last_value) VALUES ($1, 1)
               ON CONFLICT (month) DO UPDATE SET last_value = c.last_value + 1
               RETURNING last_value`,
              [month],
            );
            const numbered: Invoice = { ...i, number: formatInvoiceNumber(month, Number(counter!.last_value)) };
            const inserted = await query(
              tx,
              this.insertSql('ON CONFLICT ON CONSTRAINT invoices_number_key DO NOTHING RETURNING id'),
              this.params(numbered, numbered.number!),
            );
            if (inserted.length) return numbered;
          }
        }),
      message(null),
    );
  }

  private insertSql(tail: string): string {
    return `INSERT INTO ${t(this.ctx, 'invoices')}
              (id, customer_id, number, amount_rupiah, due_date, status, description, created_at, status_changed_at, status_reason, status_changed_by)
            VALUES ($1, $2, $3, $4::bigint, $5::date, $6, $7, $8, $9, $10, $11) ${tail}`;
  }

  private params(i: Invoice, number: string): unknown[] {
    return [i.id, i.customerId, number, String(i.amount), i.dueDate, i.status, i.description, i.createdAt, i.statusChangedAt, i.statusReason, i.statusChangedBy];
  }

  async listUnpaidDue(dueDates: readonly string[], limit: number, after: InvoiceCursor | null): Promise<Invoice[]> {
    if (!dueDates.length) return [];
    const params: unknown[] = [[...dueDates]];
    const where = [`status = 'UNPAID'`, `due_date = ANY($1::date[])`];
    if (after) where.push(`(due_date, id COLLATE "C") > ($${params.push(after.dueDate)}::date, $${params.push(after.id)})`);
    const rows = await query(
      this.ctx,
      `SELECT ${COLUMNS} FROM ${t(this.ctx, 'invoices')} WHERE ${where.join(' AND ')} ORDER BY due_date, id COLLATE "C" LIMIT $${params.push(limit)}`,
      params,
    );
    return rows.map(toInvoice);
  }

  async findById(id: string): Promise<Invoice | null> {
    const [row] = await query(this.ctx, `SELECT ${COLUMNS} FROM ${t(this.ctx, 'invoices')} WHERE id = $1`, [id]);
    return row ? toInvoice(row) : null;
  }

  async findByNumber(number: string): Promise<Invoice | null> {
    const [row] = await query(this.ctx, `SELECT ${COLUMNS} FROM ${t(this.ctx, 'invoices')} WHERE number = $1`, [number]);
    return row ? toInvoice(row) : null;
  }

  /** `UPDATE … WHERE id = $1 AND status = <expected>`: a change raced by another one updates nothing (false). */
  async updateStatus(i: Invoice, expected: Invoice['status']): Promise<boolean> {
    const rows = await query(
      this.ctx,
      `UPDATE ${t(this.ctx, 'invoices')} SET status = $3, status_changed_at = $4, status_reason = $5, status_changed_by = $6
       WHERE id = $1 AND status = $2 RETURNING id`,
      [i.id, expected, i.status, i.statusChangedAt, i.statusReason, i.statusChangedBy],
    );
    // pg returns [rows, count] for UPDATE … RETURNING through TypeORM; normalise both shapes.
    return (Array.isArray(rows[0]) ? (rows[0] as unknown[]).length : rows.length) > 0;
  }

  /** Keyset on `(due_date, id COLLATE "C")` descending (index invoices_due_idx, and invoices_customer_idx for one customer). */
  async list(f: InvoiceListFilter, limit: number, after: InvoiceCursor | null): Promise<Invoice[]> {
    const params: unknown[] = [];
    const where: string[] = [];
    if (f.customerId) where.push(`customer_id = $${params.push(f.customerId)}`);
    if (f.statuses?.length) where.push(`status = ANY($${params.push([...f.statuses])}::text[])`);
    if (after) where.push(`(due_date, id COLLATE "C") < ($${params.push(after.dueDate)}::date, $${params.push(after.id)})`);
    const rows = await query(
      this.ctx,
      `SELECT ${COLUMNS} FROM ${t(this.ctx, 'invoices')} ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY due_date DESC, id COLLATE "C" DESC LIMIT $${params.push(limit)}`,
      params,
    );
    return rows.map(toInvoice);
  }
}
