import type { Invoice, InvoiceStatus } from '../../../domain';
import type { InvoiceCursor, InvoiceRepository } from '../../../application';
import { query, t, uniqueAs, type Row, type SqlContext } from '../sql.util';

/** `due_date` is read as text (`YYYY-MM-DD`) so no time zone ever touches a calendar date. */
const COLUMNS = `id, customer_id, number, amount_rupiah::text AS amount_rupiah, due_date::text AS due_date, status, created_at`;

function toInvoice(r: Row): Invoice {
  return {
    id: r.id as string,
    customerId: r.customer_id as string,
    number: (r.number as string | null) ?? null,
    amount: Number(r.amount_rupiah as string),
    dueDate: r.due_date as string,
    status: r.status as InvoiceStatus,
    createdAt: r.created_at as Date,
  };
}

/** Invoices in `<schema>.invoices` (amount_rupiah bigint, due_date date); duplicate id or number → AlreadyExistsError. */
export class PgInvoiceRepository implements InvoiceRepository {
  constructor(private readonly ctx: SqlContext) {}

  async insert(i: Invoice): Promise<void> {
    await uniqueAs(
      () =>
        query(
          this.ctx,
          `INSERT INTO ${t(this.ctx, 'invoices')} (id, customer_id, number, amount_rupiah, due_date, status, created_at)
           VALUES ($1, $2, $3, $4::bigint, $5::date, $6, $7)`,
          [i.id, i.customerId, i.number, String(i.amount), i.dueDate, i.status, i.createdAt],
        ),
      (constraint) => (constraint === 'invoices_number_key' ? `invoice number ${i.number} already exists` : `invoice ${i.id} already exists`),
    );
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
}
