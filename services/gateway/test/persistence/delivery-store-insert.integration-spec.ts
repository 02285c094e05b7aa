// PgDeliveryStore's page insert (one statement: deliveries, their delivery.queued outbox events,
// the notification's counters) against real Postgres: the rows and events of a page, in page
// order; a repeated page (a redelivered event) creates no row, no event and no count; the last
// page's RESOLVED mark (FAILED with the render error when no delivery exists, RESOLVED with it
// otherwise); the WatchDeliveries feed sees only what was created, each change with its event's
// id; publishEvents false writes no events.
import { randomUUID } from 'node:crypto';
import { decodeEventAs } from '@notify/events';
import type { TestSchema } from '@notify/testing';
import type { DataSource } from 'typeorm';
import type { NewDelivery } from '../../src/application';
import type { DeliveryChange, LeftOutRecipient } from '../../src/domain';
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
    // Each change carries its event's id (the outbox row's id = JetStream msgID = event_id).
    const ids = (await ds.query(`SELECT id::text AS id, payload FROM "${pg.schema}".outbox ORDER BY created_at, position`) as Array<{ id: string; payload: Buffer }>)
      .map((e, i) => [e.id, decodeEventAs('delivery.queued', events[i]!.subject, new Uint8Array(e.payload)).eventId]);
    expect(ids.every(([row, evt]) => row === evt)).toBe(true);
    expect(feed.map((c) => c.eventId)).toEqual(ids.map(([row]) => row));
    expect(feed.every((c) => /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(c.eventId))).toBe(true);
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

  it('writes the pages of concurrent notifications in one batch, each with its own rows, counters and RESOLVED mark', async () => {
    const store = new PgDeliveryStore(ds, { schema: pg.schema, namespace: 'tns', onCommitted: (c) => feed.push(...c) });
    const [a, b, c] = await Promise.all([notify(store), notify(store), notify(store)]);
    const pageOf = (id: string, phones: string[]) => phones.map((p) => row(`${id}|${p}`, p));
    const [ra, rb, rc, rb2] = await Promise.all([
      store.insertFinalPage(a.notification.id, pageOf(a.notification.id, ['6281211100001', '6281211100002']), 1, now),
      store.insertDeliveries(b.notification.id, pageOf(b.notification.id, ['6281211100003']), 0, now),
      store.insertFinalPage(c.notification.id, pageOf(c.notification.id, ['6281211100004']), 0, now),
      // A second page of b in the same batch: written too, after the first (its counters add up).
      store.insertFinalPage(b.notification.id, pageOf(b.notification.id, ['6281211100005', '6281211100003']), 2, now),
    ]);
    expect(ra.deliveries.map((d) => d.recipient)).toEqual(['6281211100001', '6281211100002']);
    expect(ra.notification).toMatchObject({ id: a.notification.id, status: 'RESOLVED', deliveriesCreated: 2, leftOut: 1 });
    expect(rb.map((d) => d.recipient)).toEqual(['6281211100003']);
    expect(rc.notification).toMatchObject({ id: c.notification.id, status: 'RESOLVED', deliveriesCreated: 1 });
    expect(rb2.deliveries.map((d) => d.recipient)).toEqual(['6281211100005']);
    expect(rb2.notification).toMatchObject({ id: b.notification.id, status: 'RESOLVED', deliveriesCreated: 2, leftOut: 2 });
    const created = [...ra.deliveries, ...rb, ...rc.deliveries, ...rb2.deliveries];
    const events = (await outbox()).map((e) => decodeEventAs('delivery.queued', e.subject, new Uint8Array(e.payload)).delivery!.id);
    expect([...events].sort()).toEqual(created.map((d) => d.id).sort());
    expect(feed.map((f) => f.delivery.id).sort()).toEqual(created.map((d) => d.id).sort());
    const stored = async (id: string) => (await store.deliveriesOf(id)).map((d) => d.recipient).sort();
    expect([await stored(a.notification.id), await stored(b.notification.id), await stored(c.notification.id)]).toEqual([
      ['6281211100001', '6281211100002'], ['6281211100003', '6281211100005'], ['6281211100004'],
    ]);
  });

  it('finishes with the render error: FAILED when no delivery exists, RESOLVED with it otherwise; none clears an earlier error', async () => {
    const store = new PgDeliveryStore(ds, { schema: pg.schema, namespace: 'tns' });
    const error = 'template no.such.template not found';
    // Nothing could be rendered: an empty last page (also the path of a directory that cannot tell its last page).
    const none = (await notify(store)).notification;
    expect((await store.insertFinalPage(none.id, [], 3, now, error)).notification)
      .toMatchObject({ status: 'FAILED', error, deliveriesCreated: 0, leftOut: 3, resolvedAt: now });
    // Some recipients left out, one delivery created on the last page, in the batched statement.
    const some = (await notify(store)).notification;
    const [p1, p2] = await Promise.all([
      store.insertFinalPage(some.id, [row(`${some.id}|6281233300001`, '6281233300001')], 2, now, error),
      store.insertFinalPage(none.id, [row(`${none.id}|6281233300002`, '6281233300002')], 0, now, error),
    ]);
    expect(p1.notification).toMatchObject({ status: 'RESOLVED', error, deliveriesCreated: 1, leftOut: 2 });
    // A retry of the FAILED notification that now creates a delivery: RESOLVED, error kept as given.
    expect(p2.notification).toMatchObject({ status: 'RESOLVED', error, deliveriesCreated: 1 });
    // Deliveries from an earlier page, none rendered on the last: RESOLVED with the error.
    const earlier = (await notify(store)).notification;
    await store.insertDeliveries(earlier.id, [row(`${earlier.id}|6281233300003`, '6281233300003')], 0, now);
    expect((await store.insertFinalPage(earlier.id, [], 1, now, error)).notification).toMatchObject({ status: 'RESOLVED', error, deliveriesCreated: 1 });
    // A page whose rows all existed already (deliveries_created stays 0) still FAILS with the error.
    const dup = (await notify(store)).notification;
    const failedRow = row(`${none.id}|6281233300002`, '6281233300002'); // already stored under `none`
    expect((await store.insertFinalPage(dup.id, [failedRow], 0, now, error)).notification).toMatchObject({ status: 'FAILED', error, deliveriesCreated: 0 });
    // No error: RESOLVED, and an earlier attempt's error is cleared.
    expect((await store.insertFinalPage(dup.id, [], 0, now)).notification).toMatchObject({ status: 'RESOLVED', error: null });
  });

  it('keeps who was left out by name on every path (batched page, empty page, last page), none twice, the first 50 at most', async () => {
    const store = new PgDeliveryStore(ds, { schema: pg.schema, namespace: 'tns' });
    const { notification } = await notify(store);
    const person = (i: number): LeftOutRecipient => ({
      kind: 'CUSTOMER', id: `c-${i}`, address: '', name: `Pelanggan ${i}`, reason: 'opted out of WHATSAPP', channel: 'WHATSAPP',
    });
    const page = (p: string) => [row(`${notification.id}|${p}`, p)];
    // A page with deliveries (the batched statement), the same page again (a redelivered event), an empty page.
    await store.insertDeliveries(notification.id, page('6281244400001'), 2, now, [person(1), person(2)]);
    await store.insertDeliveries(notification.id, page('6281244400001'), 2, now, [person(1), person(2)]);
    await store.insertDeliveries(notification.id, [], 1, now, [person(3)]);
    expect((await store.notification(notification.id))!.leftOutRecipients.map((l) => l.id)).toEqual(['c-1', 'c-2', 'c-3']);
    // The last page: 60 more left out, 50 named in all.
    const many = Array.from({ length: 60 }, (_, i) => person(i + 4));
    const done = (await store.insertFinalPage(notification.id, [], 60, now, null, many)).notification;
    expect(done.leftOutRecipients).toHaveLength(50);
    expect(done.leftOutRecipients.slice(0, 4)).toEqual([person(1), person(2), person(3), person(4)]);
    expect(done.leftOutRecipients[49]).toEqual(person(50));
    // A notification that left nobody out names nobody.
    const clean = (await notify(store)).notification;
    expect((await store.insertFinalPage(clean.id, page('6281244400002').map((r) => ({ ...r, idempotencyKey: `${clean.id}|x` })), 0, now)).notification.leftOutRecipients).toEqual([]);
  });

  it('creates a notification once for concurrent asks with the same key, and each of different keys', async () => {
    const store = new PgDeliveryStore(ds, { schema: pg.schema });
    const key = randomUUID();
    const base = { source: 'EVENT' as const, notificationType: 'TICKET_CREATED', priority: 'NORMAL' as const, templateKey: '', ticketId: null, actor: { id: 'a' }, variables: { x: 1 }, request: null };
    const results = await Promise.all([
      store.createNotification({ ...base, idempotencyKey: key }, now),
      store.createNotification({ ...base, idempotencyKey: key }, now),
      store.createNotification({ ...base, idempotencyKey: randomUUID() }, now),
    ]);
    expect(results.map((r) => r.created)).toEqual([true, false, true]);
    expect(results[1]!.notification.id).toBe(results[0]!.notification.id);
    expect(results[2]!.notification.id).not.toBe(results[0]!.notification.id);
    expect(results[0]!.notification).toMatchObject({ idempotencyKey: key, status: 'RESOLVING', actor: { id: 'a' }, variables: { x: 1 } });
    const later = await store.createNotification({ ...base, idempotencyKey: key }, now);
    expect(later).toEqual({ notification: results[0]!.notification, created: false });
  });

  it('writes no events when publishEvents is false', async () => {
    const store = new PgDeliveryStore(ds, { schema: pg.schema, publishEvents: false });
    const { notification } = await notify(store);
    const created = await store.insertDeliveries(notification.id, [row(`${notification.id}|a`, '6281200000009')], 0, now);
    expect(created).toHaveLength(1);
    expect(await outbox()).toEqual([]);
  });
});
