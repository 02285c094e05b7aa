// PgDeliveryStore.cancelSuperseded against real Postgres: a ticket event withdraws the ticket's
// unsent job offers (and, when it closes the ticket, its SLA warnings and escalations): exactly
// the rows still QUEUED / DEFERRED / FAILED become CANCELLED with the reason and a `failed`
// outbox event (status CANCELLED, no attempt); rows being sent or already sent, the customer's messages, the reply flow's
// answers and other tickets' rows are left alone; a row a claim holds is waited for and, once
// SENDING, left alone; a cancelled row is never claimed and RetryDelivery refuses it.
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { decodeEvent } from '@notify/events';
import { gatewayv1 } from '@notify/proto';
import type { DataSource } from 'typeorm';
import type { NewDelivery } from '../../src/application';
import type { DeliveryStatus, SupersededDeliveries } from '../../src/domain';
import { PgDeliveryStore } from '../../src/infrastructure/persistence/delivery.store';
import { openGatewaySchema, type GatewaySchema } from '../support/gateway-schema';

describe('PgDeliveryStore.cancelSuperseded (Postgres)', () => {
  let schema: GatewaySchema;
  let ds: DataSource;
  let store: PgDeliveryStore;
  const t0 = new Date('2026-12-07T15:00:00.000Z');
  const at = (ms: number) => new Date(t0.getTime() + ms);
  const OFFERS: SupersededDeliveries = { jobOffers: true, deadlineNotices: false };
  const CLOSED: SupersededDeliveries = { jobOffers: true, deadlineNotices: true };

  beforeAll(async () => {
    schema = await openGatewaySchema('gw_store_cancel', 3);
    ds = schema.ds;
    store = new PgDeliveryStore(ds, { schema: schema.pg.schema, namespace: 'tns' });
  });
  afterAll(async () => {
    await schema?.close();
  });

  interface Spec {
    name: string;
    type: string;
    templateKey: string;
    status: DeliveryStatus;
    ticketId?: string | null;
    key?: string;
    recipientKind?: NewDelivery['recipientKind'];
  }

  /** One delivery per spec (each its own notification), then moved to the spec's status. */
  async function seed(ticketId: string, specs: readonly Spec[]): Promise<Map<string, string>> {
    const ids = new Map<string, string>();
    for (const [i, s] of specs.entries()) {
      const key = s.key ?? randomUUID();
      const tid = s.ticketId === undefined ? ticketId : s.ticketId;
      const { notification } = await store.createNotification({
        source: 'EVENT', idempotencyKey: key, notificationType: s.type, priority: 'NORMAL', templateKey: '', ticketId: tid, actor: null, variables: null, request: null,
      }, at(i));
      const phone = `62812700${String(i).padStart(5, '0')}`;
      const row: NewDelivery = {
        idempotencyKey: `${key}|${phone}|WHATSAPP`, notificationType: s.type, ticketId: tid, sourceEventId: null, recipient: phone,
        recipientKind: s.recipientKind ?? 'STAFF', recipientId: null, recipientName: s.name, channel: 'WHATSAPP', priority: 'NORMAL', locale: 'ID',
        templateKey: s.templateKey, templateVersion: 1, body: `${s.name}`, fallbackBody: null, fallbackTemplateVersion: null, quietHours: null,
      };
      const d = (await store.insertFinalPage(notification.id, [row], 0, at(i))).deliveries[0]!;
      const extra = s.status === 'DEFERRED'
        ? `, deferred_until = $3, deferred_reason = 'quiet hours', due_at = $3`
        : s.status === 'FAILED' ? `, next_attempt_at = $3, due_at = $3, rounds = 1, last_error = 'fonnte: http 500'` : s.status === 'SENT' ? `, sent_at = $3` : '';
      await ds.query(`UPDATE "${schema.pg.schema}".deliveries SET status = $2${extra} WHERE id = $1`, s.status === 'QUEUED' || s.status === 'SENDING' ? [d.id, s.status] : [d.id, s.status, at(3_600_000)]);
      ids.set(s.name, d.id);
    }
    return ids;
  }

  const statusOf = async (id: string) => (await store.delivery(id))!;
  const cancelledEvents = async () =>
    ((await ds.query(`SELECT subject, payload FROM "${schema.pg.schema}".outbox WHERE subject LIKE '%.failed' ORDER BY created_at, position`)) as Array<{ subject: string; payload: Buffer }>)
      .map((e) => decodeEvent(e.subject, new Uint8Array(e.payload)).payload as gatewayv1.DeliveryEvent)
      .filter((e) => e.delivery!.status === gatewayv1.DeliveryStatus.DELIVERY_STATUS_CANCELLED);

  it('withdraws exactly the unsent job offers of the ticket, with the reason and a failed event each (status CANCELLED)', async () => {
    const ticket = randomUUID();
    const other = randomUUID();
    const ids = await seed(ticket, [
      { name: 'offer queued', type: 'TICKET_CREATED', templateKey: 'technician.job_offer', status: 'QUEUED' },
      { name: 'offer deferred', type: 'TICKET_CREATED', templateKey: 'technician.job_offer', status: 'DEFERRED' },
      { name: 'offer failed', type: 'TICKET_CREATED', templateKey: 'technician.job_offer', status: 'FAILED', recipientKind: 'GROUP' },
      { name: 'offer via Notify', type: 'TECHNICIAN_JOB_OFFER', templateKey: 'technician.job_offer', status: 'DEFERRED' },
      { name: 'offer sending', type: 'TICKET_CREATED', templateKey: 'technician.job_offer', status: 'SENDING' },
      { name: 'offer sent', type: 'TICKET_CREATED', templateKey: 'technician.job_offer', status: 'SENT' },
      { name: 'customer created', type: 'TICKET_CREATED', templateKey: 'ticket.created.disturbance', status: 'DEFERRED', recipientKind: 'CUSTOMER' },
      { name: 'reply answer', type: 'TECHNICIAN_JOB_OFFER', templateKey: '', status: 'QUEUED', key: `reply:fonnte:${randomUUID()}` },
      { name: 'sla warning', type: 'SLA_WARNING', templateKey: 'sla.warning', status: 'FAILED' },
      { name: 'other ticket offer', type: 'TICKET_CREATED', templateKey: 'technician.job_offer', status: 'DEFERRED', ticketId: other },
    ]);
    const before = (await cancelledEvents()).length;
    const withdrawn = await store.cancelSuperseded(ticket, OFFERS, 'withdrawn unsent: ticket GGN-20261207-0001 was assigned', at(10_000));

    const expected = ['offer queued', 'offer deferred', 'offer failed', 'offer via Notify'];
    expect(withdrawn.map((d) => d.recipientName).sort()).toEqual([...expected].sort());
    for (const name of expected) {
      expect(await statusOf(ids.get(name)!)).toMatchObject({
        status: 'CANCELLED', lastError: 'withdrawn unsent: ticket GGN-20261207-0001 was assigned', nextAttemptAt: null, deferredUntil: null, updatedAt: at(10_000),
      });
    }
    const untouched: Record<string, DeliveryStatus> = {
      'offer sending': 'SENDING', 'offer sent': 'SENT', 'customer created': 'DEFERRED', 'reply answer': 'QUEUED', 'sla warning': 'FAILED', 'other ticket offer': 'DEFERRED',
    };
    for (const [name, status] of Object.entries(untouched)) expect((await statusOf(ids.get(name)!)).status).toBe(status);

    // One `failed` event per withdrawn row (status CANCELLED, no attempt), carrying the status it was withdrawn from.
    const events = (await cancelledEvents()).slice(before);
    expect(events.map((e) => e.delivery!.id).sort()).toEqual(expected.map((n) => ids.get(n)!).sort());
    const from = Object.fromEntries(events.map((e) => [e.delivery!.recipientName, e.previousStatus]));
    expect(from).toEqual({ 'offer queued': 1, 'offer deferred': 2, 'offer failed': 7, 'offer via Notify': 2 });
    expect(events.every((e) => e.type === gatewayv1.DeliveryEventType.DELIVERY_EVENT_TYPE_FAILED && e.attempt === undefined)).toBe(true);

    // Again (a redelivered event): nothing left to withdraw, no new event.
    await expect(store.cancelSuperseded(ticket, OFFERS, 'again', at(11_000))).resolves.toEqual([]);
    expect(await cancelledEvents()).toHaveLength(before + expected.length);

    // Closing the ticket withdraws its waiting SLA warning too; the customer's message still goes.
    const closed = await store.cancelSuperseded(ticket, CLOSED, 'withdrawn unsent: ticket GGN-20261207-0001 was completed', at(12_000));
    expect(closed.map((d) => d.recipientName)).toEqual(['sla warning']);
    expect((await statusOf(ids.get('customer created')!)).status).toBe('DEFERRED');

    // Withdrawn rows are never claimed; the others due are; RetryDelivery refuses a withdrawn one.
    const claimed = await store.claimDue(at(7_200_000), 50, 60_000, async () => null);
    const claimedNames = claimed.map((d) => d.recipientName);
    expect(claimedNames).toEqual(expect.arrayContaining(['customer created', 'reply answer', 'other ticket offer']));
    for (const name of [...expected, 'sla warning']) expect(claimedNames).not.toContain(name);
    await expect(store.redrive(ids.get('offer queued')!, at(13_000))).rejects.toThrow(/CANCELLED; only FAILED or DEAD/);
  });

  it('waits for a claim that holds the row and leaves it alone once it is SENDING', async () => {
    const ticket = randomUUID();
    const ids = await seed(ticket, [{ name: 'offer being claimed', type: 'TICKET_CREATED', templateKey: 'technician.job_offer', status: 'QUEUED' }]);
    const id = ids.get('offer being claimed')!;
    const claim = new Client({ connectionString: schema.pg.url });
    await claim.connect();
    try {
      // A dispatcher's claim in flight: the row locked, about to become SENDING.
      await claim.query('BEGIN');
      await claim.query(`SELECT id FROM "${schema.pg.schema}".deliveries WHERE id = $1 FOR UPDATE`, [id]);
      const cancelling = store.cancelSuperseded(ticket, OFFERS, 'withdrawn', at(20_000));
      let settled = false;
      void cancelling.then(() => (settled = true), () => (settled = true));
      await new Promise((r) => setTimeout(r, 300));
      expect(settled).toBe(false); // waits for the lock instead of skipping the row
      await claim.query(`UPDATE "${schema.pg.schema}".deliveries SET status = 'SENDING', lease_until = $2 WHERE id = $1`, [id, at(80_000)]);
      await claim.query('COMMIT');
      await expect(cancelling).resolves.toEqual([]);
      expect((await statusOf(id)).status).toBe('SENDING');
    } finally {
      await claim.end();
    }
  });
});
