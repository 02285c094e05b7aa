import { callUnary } from '@notify/grpc-kit';
import { commonv1, type customerv1 } from '@notify/proto';
import type { CustomerDirectory, InvoiceDue } from '../../application';
import { toSnapshot } from '../messaging/schedule-event.mapper';

/** Page size of the customer service's List* RPCs (its maximum). */
const PAGE_SIZE = 500;

/**
 * CustomerDirectory over `notify.customer.v1.CustomerService` (client made with createClient:
 * API key of role service, a deadline on every call). Errors are grpc-kit's DomainErrors.
 */
export class GrpcCustomerDirectory implements CustomerDirectory {
  constructor(private readonly client: customerv1.CustomerServiceClient) {}

  /** ListInvoicesDue(on_date, within_days), every page. */
  async listInvoicesDue(onDate: string, withinDays: readonly number[]): Promise<InvoiceDue[]> {
    const out: InvoiceDue[] = [];
    let pageToken = '';
    do {
      const res = await callUnary(this.client, 'listInvoicesDue', { onDate, withinDays: [...withinDays], page: { pageSize: PAGE_SIZE, pageToken } });
      for (const d of res.invoices) {
        if (!d.invoice) continue;
        out.push({ invoiceId: d.invoice.id, daysUntilDue: d.daysUntilDue, snapshot: toSnapshot<'invoice_due'>(d) });
      }
      pageToken = res.nextPageToken;
    } while (pageToken !== '');
    return out;
  }

  /** ListStaff(roles [technician], active_only), every page → staff ids. */
  async listActiveTechnicianIds(): Promise<string[]> {
    const ids: string[] = [];
    let pageToken = '';
    do {
      const res = await callUnary(this.client, 'listStaff', {
        roles: [commonv1.Role.ROLE_TECHNICIAN],
        workZone: '',
        activeOnly: true,
        page: { pageSize: PAGE_SIZE, pageToken },
      });
      ids.push(...res.staff.map((s) => s.id));
      pageToken = res.nextPageToken;
    } while (pageToken !== '');
    return ids;
  }
}
