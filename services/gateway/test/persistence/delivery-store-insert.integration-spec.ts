// PgDeliveryStore's page insert (one statement: deliveries, their delivery.queued outbox events,
// the notification's counters) against real Postgres: the rows and events of a page, in page
// order; a repeated page (a redelivered event) creates no row, no event and no count; the last
// page's RESOLVED mark; the WatchDeliveries feed sees only what was created; publishEvents false
// writes no events.
import { randomUUID } from 'node:crypto';
import { decodeEventAs } from '@notify/events';
import type { TestSchema } from '@notify/testing';
import type { DataSource } from 'typeorm';
import type { NewDelivery } from '../../src/application';
import type { DeliveryChange } from '../../src/domain';
import { PgDeliveryStore } from '../../src/infrastructure/persistence/delivery.store';
import { openGatewaySchema, type GatewaySchema } from '../support/gateway-schema';

describe('PgDeliveryStore page insert (Postgres)', () => {
  let schema: GatewaySchema;
  let pg: TestSchema;
  let ds: DataSource;
  const feed: DeliveryChange[] = [];
  const now = new Date('2026-12-03T09:00:00.000Z');

  const row = (key: string, phone: string): NewDelivery => ({
    idempotencyKey: key, notificationType: 'TICKET_CREATED', ticketId: 't-1', sourceEventId: 'ev-1', recipient: phone, recipientKind: 'CUSTOMER',
    recipientId: `c-${phone}`, recipientName: 'Budi', channel: 'WHATSAPP', priority: 'NORMAL', locale: 'ID', templateKey: 'ticket.created.customer',
    templateVersion: 1, body: `halo ${phone}`, fallbackBody: null, fallbackTemplateVersion: null, quietHours: null,
  });
  const notify = (store: PgDeliveryStore) => store.createNotification({
    source: 'EVENT', idempotencyKey: randomUUID(), notificationType: 'TICKET_CREATED', priority: 'NORMAL', templateKey: '', ticketId: 't-1',
    actor: null, variables: null, request: null,
  }, now);
  const outbox = async (): Promise<Array<{ subject: string; payload: Buffer }>> =>
    ds.query(`SELECT subject, payload FROM "${pg.schema}".outbox ORDER BY created_at, position`);

  beforeAll(async () => {
    schema = await openGatewaySchema('gw_store_insert', 2);
    ({ pg, ds } = schema);
  });
  afterAll(async () => {
    await schema?.close();
  });
  beforeEach(async () => {
    feed.length = 0;
    await ds.query(`DELETE FROM "${pg.schema}".outbox`);
  });

  it('writes a page\'s rows and their queued events in page order; the same page again creates nothing', async () => {
    const store = new PgDeliveryStore(ds, { schema: pg.schema, namespace: 'tns', onCommitted: (c) => feed.push(...c) });
    const { notification } = await notify(store);
    const page = ['6281200000003', '6281200000001', '6281200000002'].map((p) => row(`${notification.id}|${p}`, p));

    const created = await store.insertDeliveries(notification.id, page, 2, now);
    expect(created.map((d) => d.recipient)).toEqual(['6281200000003', '6281200000001', '6281200000002']);
    expect(created.every((d) => d.status === 'QUEUED' && d.notificationId === notification.id)).toBe(true);
    const events = await outbox();
    expect(events.map((e) => e.subject)).toEqual(Array(3).fill('tns.notify.delivery.v1.queued'));
    const decoded = events.map((e) => decodeEventAs('delivery.queued', e.subject, new Uint8Array(e.payload)).delivery!);
    expect(decoded.map((d) => d.id)).toEqual(created.map((d) => d.id));
    expect(feed.map((c) => [c.kind, c.delivery.id])).toEqual(created.map((d) => ['queued', d.id]));
    expect(await store.notification(notification.id)).toMatchObject({ status: 'RESOLVING', deliveriesCreated: 3, leftOut: 2 });

    // A redelivered event: one new recipient among the three already stored.
    feed.length = 0;
    const again = await store.insertFinalPage(notification.id, [...page, row(`${notification.id}|6281200000004`, '6281200000004')], 0, now);
    expect(again.deliveries.map((d) => d.recipient)).toEqual(['6281200000004']);
    expect((await outbox()).length).toBe(4);
    expect(feed.map((c) => c.delivery.recipient)).toEqual(['6281200000004']);
    expect(again.notification).toMatchObject({ status: 'RESOLVED', deliveriesCreated: 4, leftOut: 2, resolvedAt: now, error: null });
    expect(await store.deliveriesOf(notification.id)).toHaveLength(4);

    // Nothing new at all: no event, no feed, no count.
    feed.length = 0;
    expect(await store.insertDeliveries(notification.id, page, 0, now)).toEqual([]);
    expect((await outbox()).length).toBe(4);
    expect(feed).toEqual([]);
    expect(await store.notification(notification.id)).toMatchObject({ deliveriesCreated: 4 });
  });

  it('writes no events when publishEvents is false', async () => {
    const store = new PgDeliveryStore(ds, { schema: pg.schema, publishEvents: false });
    const { notification } = await notify(store);
    const created = await store.insertDeliveries(notification.id, [row(`${notification.id}|a`, '6281200000009')], 0, now);
    expect(created).toHaveLength(1);
    expect(await outbox()).toEqual([]);
  });
});
