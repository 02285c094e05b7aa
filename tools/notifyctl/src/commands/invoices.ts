import { callUnary, isUuid } from '@notify/grpc-kit';
import { customerv1 } from '@notify/proto';
import { UsageError, enumLabel, parseEnum } from '../args';
import type { Clients } from '../clients';
import type { CommandOutput, CommandSpec } from '../command';
import { PAGE_OPTIONS, formatRupiah, formatTime, nextPageHint, pageRequest } from '../format';
import { formatRecord, formatTable } from '../table';
import { idOrPhone, personNames } from './id-or-phone';

/** Largest amount CreateInvoice takes (customer_service.proto: 2^53 − 1 rupiah). */
const RUPIAH_MAX = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * An amount of whole rupiah. Rupiah groups: plain digits (`150000`), groups of three after the
 * first 1–3 digits separated all by dots (Indonesian, `150.000`, `1.250.500`), all by commas
 * (English, `150,000`) or all by single spaces (`150 000`); an optional `Rp` / `Rp.` before it
 * (`Rp 150.000`, `Rp150.000`). Anything else — a fraction (`150000.50`, `150.000,50`, `1.5`,
 * `12,5`), mixed separators, a sign, leading zeros, 0 or more than 9007199254740991 — is a
 * UsageError naming `--amount`: a separator is never read as a decimal point nor dropped (QA:
 * `150000.50` was stored as Rp 15.000.050, `1.5` as Rp 15).
 * Returns the digits (`1250500`), as CreateInvoiceRequest.amount_rupiah takes them.
 */
export function parseRupiahAmount(value: string, flag = 'amount'): string {
  const refused = () => new UsageError(`--${flag}: "${value}" is not a whole rupiah amount (write 150000 or 150.000)`);
  const text = value.trim().replace(/^rp\.?\s*/i, '');
  // Plain digits, or groups of three all after the same separator (the backreference).
  if (!/^\d+$/.test(text) && !/^\d{1,3}([., ])\d{3}(?:\1\d{3})*$/.test(text)) throw refused();
  const digits = text.replace(/[., ]/g, '');
  if (/^0+$/.test(digits)) throw new UsageError(`--${flag}: "${value}" must be at least Rp 1`);
  if (digits.startsWith('0')) throw refused();
  if (BigInt(digits) > RUPIAH_MAX) throw new UsageError(`--${flag}: "${value}" is more than the largest amount, ${formatRupiah(RUPIAH_MAX.toString())}`);
  return digits;
}

/** An invoice's status for people: `UNPAID`, `PAID`, `CANCELLED` (the proto's INVOICE_STATUS_VOID). */
export function invoiceStatusLabel(s: customerv1.InvoiceStatus): string {
  return s === customerv1.InvoiceStatus.INVOICE_STATUS_VOID ? 'CANCELLED' : enumLabel(customerv1.InvoiceStatus, 'INVOICE_STATUS_', s);
}

const STATUS_ALIASES = { cancelled: customerv1.InvoiceStatus.INVOICE_STATUS_VOID, canceled: customerv1.InvoiceStatus.INVOICE_STATUS_VOID };

/** `--status unpaid|paid|cancelled` (also `void`, the proto's name); UsageError listing the choices otherwise. */
export function parseInvoiceStatus(value: string, flag = 'status'): customerv1.InvoiceStatus {
  return parseEnum(customerv1.InvoiceStatus, 'INVOICE_STATUS_', flag, value, STATUS_ALIASES);
}

/** `{ invoiceId }` for a UUID, else `{ number }` as typed (SetInvoiceStatusRequest takes exactly one). */
export function invoiceKey(value: string): { invoiceId: string; number: string } {
  const v = value.trim();
  return isUuid(v) ? { invoiceId: v, number: '' } : { invoiceId: '', number: v };
}

/**
 * One invoice as label/value lines: the customer as `name (id)` when `customerName` is given
 * (else the id), the amount in rupiah, the status, and once it is PAID or CANCELLED when, by whom
 * and why.
 */
export function invoiceRecord(i: customerv1.Invoice | undefined, customerName?: string): string {
  if (!i) return '';
  const changed = i.status === customerv1.InvoiceStatus.INVOICE_STATUS_PAID || i.status === customerv1.InvoiceStatus.INVOICE_STATUS_VOID;
  return formatRecord([
    ['ID', i.id],
    ['Number', i.number],
    ['Customer', customerName ? `${customerName} (${i.customerId})` : i.customerId],
    ['Amount', formatRupiah(i.amountRupiah)],
    ['Due', i.dueDate],
    ['Status', invoiceStatusLabel(i.status)],
    ['Description', i.description],
    ...(changed
      ? ([
          [i.status === customerv1.InvoiceStatus.INVOICE_STATUS_PAID ? 'Paid' : 'Cancelled', `${formatTime(i.statusChangedAt)}${i.statusChangedBy ? ` by ${i.statusChangedBy}` : ''}`],
          ['Reason', i.statusReason],
        ] as [string, string][])
      : []),
  ]);
}

/** The `customers invoices` table; CUSTOMER is the name from `names` (customerNames), the id when it has none. */
export function invoiceTable(invoices: readonly customerv1.Invoice[], names: ReadonlyMap<string, string> = new Map()): string {
  return formatTable(
    [{ header: 'NUMBER' }, { header: 'CUSTOMER', maxWidth: 30 }, { header: 'AMOUNT', align: 'right' }, { header: 'DUE' }, { header: 'STATUS' }, { header: 'DESCRIPTION', maxWidth: 40 }],
    invoices.map((i) => [i.number, names.get(i.customerId) ?? i.customerId, formatRupiah(i.amountRupiah), i.dueDate, invoiceStatusLabel(i.status), i.description]),
  );
}

/**
 * The names of the customers `ids` name, looked up with GetCustomer once per distinct id, in
 * parallel. Best effort: an id the service does not know, or a look-up that fails, is left out
 * (the caller shows the id).
 */
export function customerNames(customer: customerv1.CustomerServiceClient, ids: readonly string[]): Promise<Map<string, string>> {
  return personNames(customer, 'customer', ids);
}

/** `notifyctl customers invoices [<id-or-phone>] [--status …]`: invoices, newest due date first. */
export const listInvoices: CommandSpec = {
  name: 'invoices',
  summary: 'list invoices, of one customer or of all, newest due date first (unpaid ones get the payment reminders)',
  service: 'customer',
  positionals: [{ name: 'id-or-phone', description: 'customer id (UUID) or phone number (default: every customer)', required: false }],
  options: {
    status: { type: 'string', multiple: true, valueName: 'status', description: 'unpaid, paid, cancelled (several: any of them)' },
    ...PAGE_OPTIONS,
  },
  examples: ['notifyctl customers invoices 0812-3456-7890 --status unpaid'],
  async run({ args, clients }) {
    const statuses = args.list('status').map((s) => parseInvoiceStatus(s));
    const who = args.positional(0).trim();
    // A phone is looked up (GetCustomer; NOT_FOUND naming it); the customer's name heads the table's rows.
    const customer = who ? (await callUnary(clients.customer, 'getCustomer', idOrPhone(who))).customer : undefined;
    const res = await callUnary(clients.customer, 'listInvoices', { customerId: customer?.id ?? '', statuses, page: pageRequest(args) });
    const names = args.flag('json')
      ? new Map<string, string>()
      : customer
        ? new Map([[customer.id, customer.name]])
        : await customerNames(clients.customer, res.invoices.map((i) => i.customerId));
    return { json: customerv1.ListInvoicesResponse.toJSON(res), text: invoiceTable(res.invoices, names) + nextPageHint(res.nextPageToken) };
  },
};

/**
 * Runs SetInvoiceStatus for `invoice-paid` / `invoice-cancel`: the invoice's record, and a note
 * saying what follows (a payment: the customer is told, reminders still waiting are withdrawn; a
 * cancellation: its waiting reminders are withdrawn) or that it had that status already.
 */
async function setStatus(clients: Clients, key: string, status: customerv1.InvoiceStatus, reason: string, json: boolean): Promise<CommandOutput> {
  const res = await callUnary(clients.customer, 'setInvoiceStatus', { ...invoiceKey(key), status, reason, actor: undefined });
  const i = res.invoice;
  const name = json || !i ? undefined : (await customerNames(clients.customer, [i.customerId])).get(i.customerId);
  const note = !i
    ? undefined
    : !res.changed
      ? `note: invoice ${i.number} was ${invoiceStatusLabel(i.status)} already (since ${formatTime(i.statusChangedAt)}); nothing changed`
      : status === customerv1.InvoiceStatus.INVOICE_STATUS_PAID
        ? `note: the customer is sent the payment confirmation (PEMBAYARAN DITERIMA); reminders of ${i.number} still waiting are withdrawn`
        : `note: reminders of ${i.number} still waiting are withdrawn`;
  return { json: customerv1.SetInvoiceStatusResponse.toJSON(res), text: invoiceRecord(i, name), ...(note ? { note } : {}) };
}

const INVOICE_POSITIONAL = [{ name: 'invoice', description: 'invoice id (UUID) or number (INV-202612-0001)' }] as const;

/** `notifyctl customers invoice-paid <invoice>`: UNPAID → PAID; the payment reminders stop. */
export const invoicePaid: CommandSpec = {
  name: 'invoice-paid',
  summary: 'mark an invoice paid: no more payment reminders for it (a paid invoice cannot be cancelled)',
  service: 'customer',
  positionals: INVOICE_POSITIONAL,
  options: {
    reason: { type: 'string', valueName: 'text', description: 'a note kept with it, e.g. the payment reference (at most 500 characters)' },
  },
  examples: ['notifyctl customers invoice-paid INV-202612-0001 --reason "transfer BCA 12/12"'],
  run: ({ args, clients }) => setStatus(clients, args.positional(0), customerv1.InvoiceStatus.INVOICE_STATUS_PAID, args.string('reason') ?? '', args.flag('json')),
};

/** `notifyctl customers invoice-cancel <invoice> [--reason]`: UNPAID → CANCELLED (VOID); never reminded. */
export const invoiceCancel: CommandSpec = {
  name: 'invoice-cancel',
  summary: 'cancel (void) an unpaid invoice, e.g. a mistyped one: no more payment reminders for it (a paid invoice cannot be cancelled)',
  service: 'customer',
  positionals: INVOICE_POSITIONAL,
  options: {
    reason: { type: 'string', valueName: 'text', description: 'why, kept with it (at most 500 characters)' },
  },
  examples: ['notifyctl customers invoice-cancel INV-202612-0001 --reason "salah input"'],
  run: ({ args, clients }) => setStatus(clients, args.positional(0), customerv1.InvoiceStatus.INVOICE_STATUS_VOID, args.string('reason') ?? '', args.flag('json')),
};
