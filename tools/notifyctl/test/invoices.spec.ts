import { customerv1 } from '@notify/proto';
import { UsageError } from '../src/args';
import { invoiceKey, invoiceRecord, invoiceStatusLabel, invoiceTable, parseInvoiceStatus, parseRupiahAmount } from '../src/commands/invoices';

describe('parseRupiahAmount (customers invoice --amount)', () => {
  it.each([
    ['150000', '150000'],
    ['150.000', '150000'],
    ['1.250.500', '1250500'],
    ['150,000', '150000'],
    ['1,250,500', '1250500'],
    ['150 000', '150000'],
    ['1 250 500', '1250500'],
    ['Rp 150.000', '150000'],
    ['Rp150.000', '150000'],
    ['Rp. 150.000', '150000'],
    ['rp 1.500', '1500'],
    ['  Rp 150000  ', '150000'],
    ['1', '1'],
    ['9007199254740991', '9007199254740991'],
  ])('reads %p as %p whole rupiah', (text, digits) => {
    expect(parseRupiahAmount(text)).toBe(digits);
  });

  it.each([
    '150000.50', // QA: stored as Rp 15.000.050
    '1.5', // QA: stored as Rp 15
    '150.000,50',
    '150,000.50',
    '12,5',
    '1.50',
    '15.0000',
    '1.250,500', // mixed separators
    '1,250.500',
    '150.000.',
    '.150',
    '1 500.000',
    '-150000',
    '+150000',
    '0150000',
    '150k',
    'Rp',
    'IDR 150000',
    '',
  ])('refuses %p naming the flag, never reading a separator as nothing', (text) => {
    expect(() => parseRupiahAmount(text)).toThrow(UsageError);
    expect(() => parseRupiahAmount(text)).toThrow(`--amount: "${text}" is not a whole rupiah amount (write 150000 or 150.000)`);
  });

  it('refuses nothing to pay and more than the service takes', () => {
    expect(() => parseRupiahAmount('0')).toThrow('--amount: "0" must be at least Rp 1');
    expect(() => parseRupiahAmount('Rp 0.000')).toThrow('--amount: "Rp 0.000" must be at least Rp 1');
    expect(() => parseRupiahAmount('9007199254740992')).toThrow('--amount: "9007199254740992" is more than the largest amount, Rp 9.007.199.254.740.991');
  });
});

describe('invoice statuses, keys and output', () => {
  const IS = customerv1.InvoiceStatus;

  it('--status takes unpaid, paid, cancelled (the proto\'s VOID, also by that name); the label says CANCELLED', () => {
    expect(['unpaid', 'PAID', 'cancelled', 'canceled', 'void'].map((s) => parseInvoiceStatus(s))).toEqual([
      IS.INVOICE_STATUS_UNPAID,
      IS.INVOICE_STATUS_PAID,
      IS.INVOICE_STATUS_VOID,
      IS.INVOICE_STATUS_VOID,
      IS.INVOICE_STATUS_VOID,
    ]);
    expect(() => parseInvoiceStatus('lunas')).toThrow(/^--status: "lunas" is not one of unpaid, paid, void, cancelled, canceled$/);
    expect([IS.INVOICE_STATUS_UNPAID, IS.INVOICE_STATUS_PAID, IS.INVOICE_STATUS_VOID].map(invoiceStatusLabel)).toEqual(['UNPAID', 'PAID', 'CANCELLED']);
  });

  it('an invoice is given by its id (a UUID) or its number', () => {
    expect(invoiceKey(' 3f0c9a52-6a4b-4c55-9d2e-1b2a3c4d5e6f ')).toEqual({ invoiceId: '3f0c9a52-6a4b-4c55-9d2e-1b2a3c4d5e6f', number: '' });
    expect(invoiceKey('INV-202612-0001')).toEqual({ invoiceId: '', number: 'INV-202612-0001' });
  });

  const inv = customerv1.Invoice.fromPartial({
    id: 'i-1',
    customerId: 'c-1',
    number: 'INV-202612-0001',
    amountRupiah: '1250500',
    dueDate: '2026-12-31',
    status: IS.INVOICE_STATUS_UNPAID,
    description: 'Desember 2026',
  });

  it('the record names the customer beside the id; once paid or cancelled, when, by whom and why', () => {
    const unpaid = invoiceRecord(inv, 'Rina Santoso');
    expect(unpaid).toMatch(/^Customer:\s+Rina Santoso \(c-1\)$/m);
    expect(unpaid).toMatch(/^Amount:\s+Rp 1\.250\.500$/m);
    expect(unpaid).toMatch(/^Status:\s+UNPAID$/m);
    expect(unpaid).not.toMatch(/^(Paid|Cancelled|Reason):/m);
    expect(invoiceRecord(inv)).toMatch(/^Customer:\s+c-1$/m);
    const at = new Date('2026-12-07T03:00:00Z');
    const cancelled = invoiceRecord({ ...inv, status: IS.INVOICE_STATUS_VOID, statusChangedAt: at, statusChangedBy: 'cs-1', statusReason: 'salah input' }, 'Rina Santoso');
    expect(cancelled).toMatch(/^Status:\s+CANCELLED$/m);
    expect(cancelled).toMatch(/^Cancelled:\s+2026-12-07 10:00 WIB by cs-1$/m);
    expect(cancelled).toMatch(/^Reason:\s+salah input$/m);
    expect(invoiceRecord({ ...inv, status: IS.INVOICE_STATUS_PAID, statusChangedAt: at, paidAt: at, statusChangedBy: 'admin' })).toMatch(/^Paid:\s+2026-12-07 10:00 WIB by admin$/m);
  });

  it('the table: number, customer by name (the id when unknown), amount in rupiah, due date, status, description', () => {
    const other = { ...inv, id: 'i-2', customerId: 'c-2', number: 'TAG/7', amountRupiah: '90000', status: IS.INVOICE_STATUS_PAID, description: '' };
    const lines = invoiceTable([inv, other], new Map([['c-1', 'Rina Santoso']])).trimEnd().split('\n');
    expect(lines[0]).toMatch(/^NUMBER\s+CUSTOMER\s+AMOUNT\s+DUE\s+STATUS\s+DESCRIPTION$/);
    expect(lines[1]).toMatch(/^INV-202612-0001\s+Rina Santoso\s+Rp 1\.250\.500\s+2026-12-31\s+UNPAID\s+Desember 2026$/);
    expect(lines[2]).toMatch(/^TAG\/7\s+c-2\s+Rp 90\.000\s+2026-12-31\s+PAID$/);
    expect(invoiceTable([])).toMatch(/\(none\)/);
  });
});
