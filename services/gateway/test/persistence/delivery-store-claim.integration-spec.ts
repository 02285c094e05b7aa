// PgDeliveryStore.claimDue with per-channel limits (the dispatcher's provider pacing), against
// real Postgres: at most the limit of a paced channel is claimed (SENDING), each channel oldest
// due first, the other channel is not starved behind it, and the rows not claimed are untouched.
import { randomUUID } from 'node:crypto';
import type { NewDelivery } from '../../src/application';
import type { Channel } from '../../src/domain';
import { PgDeliveryStore } from '../../src/infrastructure/persistence/delivery.store';
import { openGatewaySchema, type GatewaySchema } from '../support/gateway-schema';

describe('PgDeliveryStore.claimDue with channel limits (Postgres)', () => {
  let schema: GatewaySchema;
  let store: PgDeliveryStore;
  const t0 = new Date('2026-12-05T02:00:00.000Z');
  const at = (ms: number) => new Date(t0.getTime() + ms);

  beforeAll(async () => {
    schema = await openGatewaySchema('gw_store_claim', 3);
    store = new PgDeliveryStore(schema.ds, { schema: schema.pg.schema, namespace: 'tns' });
  });
  afterAll(async () => {
    await schema?.close();
  });

  const row = (n: string, phone: string, channel: Channel): NewDelivery => ({
    idempotencyKey: `${n}|${phone}|${channel}`, notificationType: 'MAINTENANCE', ticketId: null, sourceEventId: null, recipient: phone, recipientKind: 'CUSTOMER',
    recipientId: null, recipientName: 'Sari', channel, priority: 'NORMAL', locale: 'ID', templateKey: 'k', templateVersion: 1,
    body: `halo ${phone}`, fallbackBody: null, fallbackTemplateVersion: null, quietHours: null,
  });

  it('claims at most the limit of each channel, oldest due first; the rest stays as it was', async () => {
    // 10 WhatsApp rows (older) then 5 SMS rows, each page inserted 1 ms after the one before.
    const inserted: Array<{ id: string; channel: Channel }> = [];
    for (const [i, channel] of [...Array<Channel>(10).fill('WHATSAPP'), ...Array<Channel>(5).fill('SMS')].entries()) {
      const { notification } = await store.createNotification({
        source: 'BROADCAST', idempotencyKey: randomUUID(), notificationType: 'MAINTENANCE', priority: 'NORMAL', templateKey: 'k', ticketId: null, actor: null, variables: null, request: null,
      }, at(i));
      const d = (await store.insertFinalPage(notification.id, [row(notification.id, `62812000000${String(i).padStart(2, '0')}`, channel)], 0, at(i))).deliveries[0]!;
      inserted.push({ id: d.id, channel });
    }
    const claimed = await store.claimDue(at(1000), 8, 60_000, async () => null, { WHATSAPP: 2, SMS: 6 });
    const wa = inserted.filter((x) => x.channel === 'WHATSAPP').map((x) => x.id);
    const sms = inserted.filter((x) => x.channel === 'SMS').map((x) => x.id);
    expect(claimed.map((d) => d.id).sort()).toEqual([...wa.slice(0, 2), ...sms].sort());
    expect(claimed.every((d) => d.status === 'SENDING')).toBe(true);
    for (const id of wa.slice(2)) expect((await store.delivery(id))!).toMatchObject({ status: 'QUEUED', leaseUntil: null, dueAt: expect.any(Date) });
    // The backlog (the /metrics gauges): 8 WhatsApp rows due, the oldest due since at(2); none yet at at(0).
    await expect(store.queueSnapshot(at(1000), 2_000)).resolves.toMatchObject({ due: 8, oldestDueAgeMs: 998 });
    await expect(store.queueSnapshot(at(-1), 2_000)).resolves.toMatchObject({ due: 0, oldestDueAgeMs: 0 });
    // Without limits the next claim takes the oldest due whatever their channel.
    const next = await store.claimDue(at(1000), 3, 60_000, async () => null);
    expect(next.map((d) => d.id)).toEqual(wa.slice(2, 5));
    await expect(store.claimDue(at(1000), 3, 60_000, async () => null, { WHATSAPP: -1 })).rejects.toThrow(TypeError);
  });
});
