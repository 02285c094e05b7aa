// WithdrawPaidRemindersUseCase: the reason a withdrawn payment reminder keeps (last_error) names
// the invoice and what happened to it; an UNPAID status (or no invoice id) withdraws nothing.
import { createLogger } from '@notify/logger';
import { WithdrawPaidRemindersUseCase } from '../../src/application';

describe('WithdrawPaidRemindersUseCase', () => {
  const at = new Date('2026-12-07T03:00:00Z');
  const calls: Array<[string, string, string, Date]> = [];
  const useCase = new WithdrawPaidRemindersUseCase({
    store: { closeInvoice: async (id, status, reason, now) => (calls.push([id, status, reason, now]), []) },
    clock: () => at,
    logger: createLogger({ service: 'gateway', level: 'silent' }),
  });
  beforeEach(() => calls.splice(0));

  it.each([
    [{ status: 'PAID' as const, invoiceNumber: 'INV-202612-0007', reason: 'transfer BCA 12/12' }, 'withdrawn unsent: invoice INV-202612-0007 was paid (transfer BCA 12/12)'],
    [{ status: 'PAID' as const, invoiceNumber: 'INV-202612-0007', reason: '' }, 'withdrawn unsent: invoice INV-202612-0007 was paid'],
    [{ status: 'VOID' as const, invoiceNumber: 'INV-202612-0008', reason: 'salah input' }, 'withdrawn unsent: invoice INV-202612-0008 was cancelled (salah input)'],
    [{ status: 'VOID' as const, invoiceNumber: '', reason: '' }, 'withdrawn unsent: invoice inv-1 was cancelled'],
  ])('%o → %s', async (change, reason) => {
    await useCase.execute({ eventId: 'e-1', invoiceId: 'inv-1', ...change });
    expect(calls).toEqual([['inv-1', change.status, reason, at]]);
  });

  it('an UNPAID status or no invoice id withdraws nothing', async () => {
    await expect(useCase.execute({ eventId: 'e-1', invoiceId: 'inv-1', invoiceNumber: 'INV-1', status: 'UNPAID', reason: '' })).resolves.toEqual([]);
    await expect(useCase.execute({ eventId: 'e-1', invoiceId: '', invoiceNumber: 'INV-1', status: 'PAID', reason: '' })).resolves.toEqual([]);
    expect(calls).toEqual([]);
  });
});
