import { ValidationError } from '@notify/errors';
import type { CustomerRegisteredMessage } from '../src/application';
import { ticketFixture } from './support/ticket-fixture';

const message: CustomerRegisteredMessage = {
  eventId: '11111111-1111-4111-8111-111111111111',
  customerId: 'cust-77',
  customerName: 'Siti',
  address: 'Perum Griya Asri B2, Karawang',
  workZone: 'Karawang',
  packageName: 'Premium 50Mbps',
  wantsInstallation: true,
};

describe('HandleCustomerRegistered', () => {
  it('creates exactly one PSB ticket (and one created event) for a registration wanting installation', async () => {
    const f = ticketFixture();
    const r = await f.uc.registered.execute(message);
    expect(r.outcome).toBe('created');
    const ticket = r.outcome === 'created' ? r.ticket : null;
    expect(ticket).toMatchObject({
      type: 'PSB',
      status: 'OPEN',
      priority: 'NORMAL',
      customerId: 'cust-77',
      workZone: 'karawang',
      address: 'Perum Griya Asri B2, Karawang',
      number: 'PSB-20261122-0001',
      description: 'Pemasangan WiFi baru, paket Premium 50Mbps',
    });
    expect(f.store.outbox).toHaveLength(1);
    expect(f.store.outbox[0]).toMatchObject({ kind: 'created', actor: { role: 'system' } });
    expect(f.store.processed.get('customer.registered:cust-77')).toBe(message.eventId);
  });

  it('is a no-op on redelivery of the same event, or a re-published one with a new id', async () => {
    const f = ticketFixture();
    await f.uc.registered.execute(message);
    expect(await f.uc.registered.execute(message)).toEqual({ outcome: 'duplicate' });
    expect(await f.uc.registered.execute({ ...message, eventId: '22222222-2222-4222-8222-222222222222' })).toEqual({ outcome: 'duplicate' });
    expect(f.store.tickets.size).toBe(1);
    expect(f.store.outbox).toHaveLength(1);
  });

  it('a redelivered registration uses no PSB number: the next PSB ticket takes the next one', async () => {
    const f = ticketFixture();
    await f.uc.registered.execute(message);
    await f.uc.registered.execute(message);
    await Promise.all([f.uc.registered.execute(message), f.uc.registered.execute({ ...message, eventId: '22222222-2222-4222-8222-222222222222' })]);
    const next = await f.uc.registered.execute({ ...message, customerId: 'cust-78' });
    expect(next.outcome === 'created' ? next.ticket.number : null).toBe('PSB-20261122-0002');
  });

  it('creates one ticket when two deliveries race', async () => {
    const f = ticketFixture();
    const results = await Promise.all([f.uc.registered.execute(message), f.uc.registered.execute(message)]);
    expect(results.map((r) => r.outcome).sort()).toEqual(['created', 'duplicate']);
    expect(f.store.tickets.size).toBe(1);
    expect(f.store.outbox).toHaveLength(1);
  });

  it('creates nothing when no installation was asked for', async () => {
    const f = ticketFixture();
    expect(await f.uc.registered.execute({ ...message, wantsInstallation: false })).toEqual({ outcome: 'not_requested' });
    expect(f.store.tickets.size + f.store.outbox.length + f.store.processed.size).toBe(0);
  });

  it('releases the claim when the ticket cannot be written, so a redelivery can succeed', async () => {
    const f = ticketFixture();
    f.store.failNextAppend = new Error('db down');
    await expect(f.uc.registered.execute(message)).rejects.toThrow('db down');
    expect(f.store.processed.size).toBe(0);
    expect((await f.uc.registered.execute(message)).outcome).toBe('created');
  });

  it('rejects a poison message (no work zone) with a ValidationError', async () => {
    const f = ticketFixture();
    await expect(f.uc.registered.execute({ ...message, workZone: '' })).rejects.toThrow(ValidationError);
  });
});
