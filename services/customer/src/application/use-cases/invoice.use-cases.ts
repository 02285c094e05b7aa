import { AlreadyExistsError, FailedPreconditionError, NotFoundError, ValidationError } from '@notify/errors';
import {
  calendarDateIn,
  changeInvoiceStatus,
  createInvoice,
  daysBetween,
  DEFAULT_REMINDER_DAYS,
  dueDatesFor,
  INVOICE_NUMBER_MAX,
  INVOICE_REASON_MAX,
  INVOICE_STATUS_API_NAMES,
  INVOICE_STATUSES,
  parseCalendarDate,
  type Invoice,
  type InvoiceStatus,
} from '../../domain';
import { decodePageToken, encodePageToken, resolvePageSize } from '@notify/paging';
import type { Clock, CustomerRepository, CustomerUnitOfWork, IdGenerator, InvoiceRepository } from '../ports';
import { actorOf, authorize, type Principal } from '../principal';
import { requestIdOf } from './request-id';

/** What CreateInvoice takes (amount in whole rupiah, due date `YYYY-MM-DD`). */
export interface CreateInvoiceInput {
  readonly customerId: string;
  readonly amount: number;
  readonly dueDate: string;
  readonly number?: string;
  readonly description?: string;
  /**
   * Optional idempotency key (≤ 200 characters, trimmed; empty = none): a retry with the same
   * key and the same fields returns the first invoice and stores nothing new; the same key
   * with different fields → AlreadyExists.
   */
  readonly requestId?: string;
}

/**
 * CreateInvoice: an UNPAID invoice of a customer; amount in rupiah (positive integer), due
 * date a calendar date, description (e.g. `Desember 2026`) stored as given (trimmed). Without a
 * number (absent or blank) the repository numbers it `INV-YYYYMM-NNNN` (month of creation in
 * Asia/Jakarta, a per-month sequence); an explicit number is kept. Returns the invoice as stored.
 * Every field is validated and the customer looked up before a number is drawn. With `requestId`
 * (as CreateTicket's request_id) the key is claimed first, in the transaction that then stores the
 * invoice and draws its number (CreateRequestLog): a replay of a known key (same fields → the first
 * invoice; other fields → AlreadyExists), even one racing the first request, stores nothing and
 * draws no number, and a failure rolls the number back with the invoice. The fingerprint is the
 * normalized fields (customer, amount, due date, number or none, description) and the actor.
 * Roles: CreateInvoice. Errors: NotFound (customer), Validation (amount, due_date, description,
 * number, request_id), AlreadyExists (number: `entity` `invoice`, `id` the invoice that holds it;
 * request_id used with different fields).
 */
export class CreateInvoiceUseCase {
  constructor(
    private readonly deps: {
      readonly invoices: InvoiceRepository;
      readonly customers: CustomerRepository;
      readonly uow: CustomerUnitOfWork;
      readonly clock: Clock;
      readonly ids: IdGenerator;
    },
  ) {}

  async execute(
    principal: Principal,
    input: CreateInvoiceInput,
  ): Promise<Invoice> {
    return (await this.create(principal, input)).invoice;
  }

  /**
   * {@link execute} telling a replay apart: `replayed` true when `requestId` named a request made
   * before with the same fields (nothing stored; `invoice` is the first one's).
   */
  async create(
    principal: Principal,
    input: CreateInvoiceInput,
  ): Promise<{ invoice: Invoice; replayed: boolean }> {
    authorize(principal, 'CreateInvoice', 'create invoices');
    const requestId = requestIdOf(input.requestId);
    const invoice = createInvoice({ id: this.deps.ids.newId(), ...input }, this.deps.clock.now());
    if (!(await this.deps.customers.findById(input.customerId))) throw new NotFoundError('customer', input.customerId);
    if (!requestId) return { invoice: await this.deps.invoices.insert(invoice), replayed: false };
    const actor = actorOf(principal);
    const fingerprint = JSON.stringify([invoice.customerId, invoice.amount, invoice.dueDate, invoice.number, invoice.description, actor.id]);
    return this.deps.uow.run(async (tx) => {
      const prior = await tx.requests.claim('CreateInvoice', requestId, invoice.id, fingerprint);
      if (prior) {
        if (prior.fingerprint !== fingerprint) throw new AlreadyExistsError(`request_id ${requestId} was already used for an invoice with different fields`);
        const first = await tx.invoices.findById(prior.entityId);
        if (first) return { invoice: first, replayed: true };
      }
      // The key is ours: a generated number is drawn in this transaction (rolled back with it).
      return { invoice: await tx.invoices.insert(invoice), replayed: false };
    });
  }
}

export interface InvoiceDue extends Invoice {
  /** Calendar days from `onDate` to the due date (one of `withinDays`). */
  readonly daysUntilDue: number;
}

/**
 * ListInvoicesDue: UNPAID invoices due EXACTLY `withinDays` calendar days after `onDate`
 * (default: today in Asia/Jakarta by the clock; default days [7, 3, 1] —
 * whatsapp-notification-system-complete.md, "Payment Reminder"), dueDate ASC, paged.
 * Roles: ListInvoicesDue. Errors: Validation (on_date, within_days, page_*).
 */
export class ListInvoicesDueUseCase {
  constructor(private readonly deps: { readonly invoices: InvoiceRepository; readonly clock: Clock }) {}

  async execute(
    principal: Principal,
    input: { readonly onDate?: string; readonly withinDays?: readonly number[]; readonly pageSize?: number; readonly pageToken?: string } = {},
  ): Promise<{ onDate: string; invoices: InvoiceDue[]; nextPageToken: string | null }> {
    authorize(principal, 'ListInvoicesDue', 'list due invoices');
    const onDate = input.onDate ? parseCalendarDate(input.onDate, 'on_date') : calendarDateIn(this.deps.clock.now());
    const days = input.withinDays?.length ? input.withinDays : DEFAULT_REMINDER_DAYS;
    const dates = dueDatesFor(onDate, days);
    const limit = resolvePageSize(input.pageSize);
    const filter = { onDate, days: [...dates.keys()].sort() };
    const after = input.pageToken ? (({ d, i }) => ({ dueDate: d, id: i }))(decodePageToken(input.pageToken, ['d', 'i'] as const, filter)) : null;
    const rows = await this.deps.invoices.listUnpaidDue([...dates.keys()].sort(), limit + 1, after);
    const page = rows.slice(0, limit).map((inv) => ({ ...inv, daysUntilDue: daysBetween(onDate, inv.dueDate) }));
    const last = page.at(-1);
    return { onDate, invoices: page, nextPageToken: rows.length > limit && last ? encodePageToken({ d: last.dueDate, i: last.id }, filter) : null };
  }
}

export interface SetInvoiceStatusInput {
  /** The invoice's id; exactly one of invoiceId, number. */
  readonly invoiceId?: string;
  /** The invoice's number as stored (trimmed); exactly one of invoiceId, number. */
  readonly number?: string;
  /** The new status: PAID or CANCELLED (UNPAID only as an UNPAID invoice's own status: no change). */
  readonly status: InvoiceStatus;
  /** Why (trimmed, at most 500 characters); none = ''. */
  readonly reason?: string;
  /** The acting service's actor id (the request's actor.id): recorded instead of the role for role service. */
  readonly actorId?: string;
}

/**
 * SetInvoiceStatus: marks an invoice PAID or CANCELLED, so the payment reminders (ListInvoicesDue:
 * UNPAID only) no longer remind of it. The invoice by id or by number (exactly one). UNPAID → PAID
 * or CANCELLED, stored with when (the clock), why (`reason`) and who (the principal's staff id or
 * role; for role service `actorId` when given) by a conditional update: of two concurrent changes
 * one is stored, the other is judged again against it. A stored change publishes
 * `notify.customer.v1.invoice_status_changed` (the invoice after the change, its previous status,
 * the actor as recorded) through the outbox in the transaction that stores the change: the gateway
 * withdraws that invoice's payment reminders still waiting. The status the invoice has already →
 * `changed` false, the invoice as stored (idempotent), nothing published; nor is anything for a
 * change that lost the race. Returns the invoice after the call.
 * Roles: SetInvoiceStatus. Errors: Validation (`invoice_id` for neither or both, `number` over 100
 * characters, `status`, `reason` over 500 characters), NotFound (invoice), FailedPrecondition (a
 * PAID or CANCELLED invoice asked for another status, naming its status by its API name: CANCELLED
 * is VOID, as in proto InvoiceStatus).
 */
export class SetInvoiceStatusUseCase {
  constructor(
    private readonly deps: { readonly invoices: InvoiceRepository; readonly uow: CustomerUnitOfWork; readonly clock: Clock; readonly ids: IdGenerator },
  ) {}

  async execute(principal: Principal, input: SetInvoiceStatusInput): Promise<{ invoice: Invoice; changed: boolean }> {
    authorize(principal, 'SetInvoiceStatus', 'change the status of invoices');
    const id = (input.invoiceId ?? '').trim();
    const number = (input.number ?? '').trim();
    if (!id === !number) throw new ValidationError('invoice_id', 'give exactly one of invoice_id and number');
    if (number.length > INVOICE_NUMBER_MAX) throw new ValidationError('number', `is longer than ${INVOICE_NUMBER_MAX} characters`);
    if (!INVOICE_STATUSES.includes(input.status)) throw new ValidationError('status', `must be one of ${INVOICE_STATUSES.join(', ')}, got "${String(input.status)}"`);
    // Checked before the look-up, as the status: a refused request is refused whatever the invoice.
    if ((input.reason ?? '').trim().length > INVOICE_REASON_MAX) throw new ValidationError('reason', `is longer than ${INVOICE_REASON_MAX} characters`);
    const actor = actorOf(principal);
    const by = principal.role === 'service' && input.actorId?.trim() ? input.actorId.trim() : actor.id;
    const find = () => (id ? this.deps.invoices.findById(id) : this.deps.invoices.findByNumber(number));
    const current = await find();
    if (!current) throw new NotFoundError(id ? 'invoice' : 'invoice with number', id || number);
    const at = this.deps.clock.now();
    const result = changeInvoiceStatus(current, input.status, { at, reason: input.reason ?? '', by });
    if (!result.changed) return result;
    // The change and its event commit together; a lost race stores and publishes nothing.
    const stored = await this.deps.uow.run(async (tx) => {
      if (!(await tx.invoices.updateStatus(result.invoice, current.status))) return false;
      await tx.outbox.append({
        eventId: this.deps.ids.newId(),
        kind: 'invoice_status_changed',
        occurredAt: at,
        actor: { ...actor, id: by },
        invoice: result.invoice,
        previousStatus: current.status,
      });
      return true;
    });
    if (stored) return result;
    // Another change won the race: judge the request against what it stored (same status: no
    // change; another: FailedPrecondition).
    const now = await find();
    if (!now) throw new NotFoundError(id ? 'invoice' : 'invoice with number', id || number);
    const again = changeInvoiceStatus(now, input.status, { at: this.deps.clock.now(), reason: input.reason ?? '', by });
    if (again.changed) throw new FailedPreconditionError(`invoice ${now.number ?? now.id} changed while it was being marked ${INVOICE_STATUS_API_NAMES[input.status]}; try again`);
    return again;
  }
}

export interface ListInvoicesInput {
  /** Only this customer's invoices. */
  readonly customerId?: string;
  /** Any of these statuses; absent or empty = all. */
  readonly statuses?: readonly InvoiceStatus[];
  readonly pageSize?: number;
  readonly pageToken?: string;
}

/**
 * ListInvoices: invoices of one customer or of all, of any of `statuses`, newest due date first then
 * by id (descending, bytewise), keyset-paged (opaque token bound to the filters). Roles:
 * ListInvoices. Errors: Validation (`statuses`, `page_size`, `page_token`).
 */
export class ListInvoicesUseCase {
  constructor(private readonly deps: { readonly invoices: InvoiceRepository }) {}

  async execute(principal: Principal, input: ListInvoicesInput = {}): Promise<{ invoices: Invoice[]; nextPageToken: string | null }> {
    authorize(principal, 'ListInvoices', 'list invoices');
    const bad = (input.statuses ?? []).find((st) => !INVOICE_STATUSES.includes(st));
    if (bad !== undefined) throw new ValidationError('statuses', `unknown status "${String(bad)}"`);
    const limit = resolvePageSize(input.pageSize);
    const filter = {
      ...(input.customerId ? { customerId: input.customerId } : {}),
      ...(input.statuses?.length ? { statuses: [...new Set(input.statuses)] } : {}),
    };
    const after = input.pageToken ? (({ d, i }) => ({ dueDate: d, id: i }))(decodePageToken(input.pageToken, ['d', 'i'] as const, filter)) : null;
    const rows = await this.deps.invoices.list(filter, limit + 1, after);
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return { invoices: page, nextPageToken: rows.length > limit && last ? encodePageToken({ d: last.dueDate, i: last.id }, filter) : null };
  }
}
