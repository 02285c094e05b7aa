// PgDeliveryStore.supersede / withdrawSuperseded against real Postgres: a ticket event withdraws
// the ticket's job offers to staff (and, when it closes the ticket, its SLA warnings and
// escalations; on a reassignment, what waits for the previous technician): exactly the rows
// still QUEUED / DEFERRED / FAILED become CANCELLED with the reason and a `failed` outbox event
// (status CANCELLED, no attempt); rows being sent or already sent, the customer's messages, the
// reply flow's answers and other tickets' rows are left alone; a row a claim holds is waited for
// and, once SENDING, left alone; a cancelled row is never claimed and RetryDelivery refuses it.
// The supersession is kept: a row that comes back from a failed round, or is inserted late (an
// SLA warning after the ticket was closed), is withdrawn at its claim; a DEAD one is not re-driven.
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { decodeEvent } from '@notify/events';
import { gatewayv1 } from '@notify/proto';
import type { DataSource } from 'typeorm';
import type { NewDelivery } from '../../src/application';
import type { DeliveryStatus, Supersession } from '../../src/domain';
import { PgDeliveryStore } from '../../src/infrastructure/persistence/delivery.store';
import { openGatewaySchema, type GatewaySchema } from '../support/gateway-schema';

describe('PgDeliveryStore.supersede / withdrawSuperseded (Postgres)', () => {
  let schema: GatewaySchema;
  let ds: DataSource;
  let store: PgDeliveryStore;
  const t0 = new Date('2026-12-07T15:00:00.000Z');
  const at = (ms: number) => new Date(t0.getTime() + ms);
  const mark = (kind: Supersession['kind'], reason: string, staffId = '') => ({ kind, staffId, reason });
  const OFFERS = (reason: string) => [mark('JOB_OFFERS', reason)];
  const CLOSED = (reason: string) => [mark('JOB_OFFERS', reason), mark('DEADLINE_NOTICES', reason)];

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
    recipientId?: string | null;
    phone?: string;
    channel?: NewDelivery['channel'];
    /** The SMS fallback text (none unless given). */
    fallbackBody?: string;
    /** The invoice its notification reminds of (payment reminders). */
    invoiceId?: string;
  }

  /** One delivery per spec (each its own notification), then moved to the spec's status. */
  async function seed(ticketId: string, specs: readonly Spec[]): Promise<Map<string, string>> {
    const ids = new Map<string, string>();
    for (const [i, s] of specs.entries()) {
      const key = s.key ?? randomUUID();
      const tid = s.ticketId === undefined ? ticketId : s.ticketId;
      const { notification } = await store.createNotification({
        source: 'EVENT', idempotencyKey: key, notificationType: s.type, priority: 'NORMAL', templateKey: '', ticketId: tid, actor: null, variables: null, request: null,
        invoiceId: s.invoiceId ?? null,
      }, at(i));
      const phone = s.phone ?? `62812700${String(i).padStart(5, '0')}`;
      const row: NewDelivery = {
        idempotencyKey: `${key}|${phone}|${s.channel ?? 'WHATSAPP'}`, notificationType: s.type, ticketId: tid, sourceEventId: null, recipient: phone,
        recipientKind: s.recipientKind ?? 'STAFF', recipientId: s.recipientId ?? null, recipientName: s.name, channel: s.channel ?? 'WHATSAPP', priority: 'NORMAL', locale: 'ID',
        templateKey: s.templateKey, templateVersion: 1, body: `${s.name}`, fallbackBody: s.fallbackBody ?? null, fallbackTemplateVersion: s.fallbackBody ? 1 : null, quietHours: null,
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
      { name: 'offer by an ISP rule', type: 'TICKET_CREATED', templateKey: 'isp.lowongan_kerja', status: 'QUEUED' },
      { name: 'offer sending', type: 'TICKET_CREATED', templateKey: 'technician.job_offer', status: 'SENDING' },
      { name: 'offer sent', type: 'TICKET_CREATED', templateKey: 'technician.job_offer', status: 'SENT' },
      { name: 'customer created', type: 'TICKET_CREATED', templateKey: 'ticket.created.disturbance', status: 'DEFERRED', recipientKind: 'CUSTOMER' },
      { name: 'reply answer', type: 'TECHNICIAN_JOB_OFFER', templateKey: '', status: 'QUEUED', key: `reply:fonnte:${randomUUID()}` },
      { name: 'sla warning', type: 'SLA_WARNING', templateKey: 'sla.warning', status: 'FAILED' },
      { name: 'other ticket offer', type: 'TICKET_CREATED', templateKey: 'technician.job_offer', status: 'DEFERRED', ticketId: other },
    ]);
    const before = (await cancelledEvents()).length;
    const withdrawn = await store.supersede(ticket, OFFERS('withdrawn unsent: ticket GGN-20261207-0001 was assigned'), at(10_000));

    const expected = ['offer queued', 'offer deferred', 'offer failed', 'offer via Notify', 'offer by an ISP rule'];
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
    expect(from).toEqual({ 'offer queued': 1, 'offer deferred': 2, 'offer failed': 7, 'offer via Notify': 2, 'offer by an ISP rule': 1 });
    expect(events.every((e) => e.type === gatewayv1.DeliveryEventType.DELIVERY_EVENT_TYPE_FAILED && e.attempt === undefined)).toBe(true);

    // Again (a redelivered event): nothing left to withdraw, no new event.
    await expect(store.supersede(ticket, OFFERS('again'), at(11_000))).resolves.toEqual([]);
    expect(await cancelledEvents()).toHaveLength(before + expected.length);

    // Closing the ticket withdraws its waiting SLA warning too; the customer's message still goes.
    const closed = await store.supersede(ticket, CLOSED('withdrawn unsent: ticket GGN-20261207-0001 was completed'), at(12_000));
    expect(closed.map((d) => d.recipientName)).toEqual(['sla warning']);
    expect((await statusOf(ids.get('customer created')!)).status).toBe('DEFERRED');

    // Withdrawn rows are never claimed; the others due are, and none of them is stale; RetryDelivery refuses a withdrawn one.
    const claimed = await store.claimDue(at(7_200_000), 50, 60_000, async () => null);
    const claimedNames = claimed.map((d) => d.recipientName);
    expect(claimedNames).toEqual(expect.arrayContaining(['customer created', 'reply answer', 'other ticket offer']));
    for (const name of [...expected, 'sla warning']) expect(claimedNames).not.toContain(name);
    await expect(store.withdrawSuperseded(claimed, at(7_200_000))).resolves.toEqual(new Set());
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
      const cancelling = store.supersede(ticket, OFFERS('withdrawn unsent: ticket GGN-20261207-0002 was assigned'), at(20_000));
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
    // Its round fails on every provider (FAILED, retry due later): at the retry's claim it is withdrawn, not sent.
    await ds.query(`UPDATE "${schema.pg.schema}".deliveries SET status = 'FAILED', lease_until = NULL, rounds = 1, next_attempt_at = $2, due_at = $2 WHERE id = $1`, [id, at(30_000)]);
    const retry = (await store.claimDue(at(31_000), 50, 60_000, async () => null)).filter((d) => d.id === id);
    expect(retry).toHaveLength(1);
    await expect(store.withdrawSuperseded(retry, at(31_000))).resolves.toEqual(new Set([id]));
    expect(await statusOf(id)).toMatchObject({ status: 'CANCELLED', lastError: 'withdrawn unsent: ticket GGN-20261207-0002 was assigned', leaseUntil: null });
    const events = await cancelledEvents();
    expect(events.filter((e) => e.delivery!.id === id).map((e) => e.previousStatus)).toEqual([gatewayv1.DeliveryStatus.DELIVERY_STATUS_SENDING]);
  });

  it('keeps what the event made stale: an SLA warning inserted after the ticket was closed is withdrawn at its claim; the customer\'s message goes', async () => {
    const ticket = randomUUID();
    await store.supersede(ticket, CLOSED('withdrawn unsent: ticket GGN-20261207-0003 was completed (ticket.completed e-1)'), at(40_000));
    const ids = await seed(ticket, [
      { name: 'late sla warning', type: 'SLA_WARNING', templateKey: 'sla.warning', status: 'QUEUED' },
      { name: 'late escalation', type: 'TICKET_ESCALATED', templateKey: 'case.escalation.lead', status: 'QUEUED', recipientKind: 'GROUP' },
      { name: 'customer completed', type: 'TICKET_COMPLETED', templateKey: 'ticket.completed.disturbance', status: 'QUEUED', recipientKind: 'CUSTOMER' },
    ]);
    const claimed = (await store.claimDue(at(41_000), 50, 60_000, async () => null)).filter((d) => d.ticketId === ticket);
    expect(claimed).toHaveLength(3);
    const withdrawn = await store.withdrawSuperseded(claimed, at(41_000));
    expect(withdrawn).toEqual(new Set([ids.get('late sla warning'), ids.get('late escalation')]));
    expect((await statusOf(ids.get('late sla warning')!)).lastError).toBe('withdrawn unsent: ticket GGN-20261207-0003 was completed (ticket.completed e-1)');
    expect((await statusOf(ids.get('customer completed')!)).status).toBe('SENDING');
  });

  it('a reassignment withdraws what waits for the previous technician (created before it) and nothing of the new one', async () => {
    const ticket = randomUUID();
    const [previous, next] = [randomUUID(), randomUUID()];
    const ids = await seed(ticket, [
      { name: 'to previous: assigned to you', type: 'TICKET_ASSIGNED', templateKey: 'technician.ticket_assigned', status: 'DEFERRED', recipientId: previous },
      { name: 'to previous: sla warning', type: 'SLA_WARNING', templateKey: 'sla.warning', status: 'FAILED', recipientId: previous },
      { name: 'to next: assigned to you', type: 'TICKET_ASSIGNED', templateKey: 'technician.ticket_assigned', status: 'QUEUED', recipientId: next },
      { name: 'to previous: reply answer', type: 'TECHNICIAN_JOB_OFFER', templateKey: '', status: 'QUEUED', recipientId: previous, key: `reply:wablas:${randomUUID()}` },
    ]);
    const reason = 'withdrawn unsent: ticket GGN-20261207-0004 was reassigned to another technician (ticket.assigned e-2)';
    const withdrawn = await store.supersede(ticket, [mark('JOB_OFFERS', 'offers'), mark('STAFF', reason, previous)], at(50_000));
    expect(withdrawn.map((d) => d.recipientName).sort()).toEqual(['to previous: assigned to you', 'to previous: sla warning']);
    expect(withdrawn.every((d) => d.lastError === reason)).toBe(true);
    expect((await statusOf(ids.get('to next: assigned to you')!)).status).toBe('QUEUED');
    expect((await statusOf(ids.get('to previous: reply answer')!)).status).toBe('QUEUED');
    // Reassigned back later: a message to them created after the reassignment is theirs again.
    const again = await seed(ticket, [{ name: 'to previous, after: assigned to you', type: 'TICKET_ASSIGNED', templateKey: 'technician.ticket_assigned', status: 'QUEUED', recipientId: previous }]);
    await ds.query(`UPDATE "${schema.pg.schema}".deliveries SET created_at = $2 WHERE id = $1`, [again.get('to previous, after: assigned to you'), at(60_000)]);
    const claimed = (await store.claimDue(at(61_000), 50, 60_000, async () => null)).filter((d) => d.ticketId === ticket);
    await expect(store.withdrawSuperseded(claimed, at(61_000))).resolves.toEqual(new Set());
  });

  it('the same reassignment event handled again does not withdraw what it created since; a ticket assigned back clears the record; a late SLA warning to the previous technician is stale', async () => {
    const ticket = randomUUID();
    const [a, b] = [randomUUID(), randomUUID()];
    const reasonA = 'withdrawn unsent: ticket GGN-20261207-0006 was reassigned to another technician (ticket.assigned e-a)';
    await store.supersede(ticket, [mark('JOB_OFFERS', 'offers'), mark('STAFF', reasonA, a)], at(80_000), { assignedTo: b });
    // The notice to A ("TIKET DIALIHKAN"), created by that event's ingest just after.
    const ids = await seed(ticket, [{ name: 'notice to A', type: 'TICKET_ASSIGNED', templateKey: 'technician.ticket_reassigned', status: 'DEFERRED', recipientId: a }]);
    await ds.query(`UPDATE "${schema.pg.schema}".deliveries SET created_at = $2 WHERE id = $1`, [ids.get('notice to A'), at(80_050)]);
    // The event redelivered 30 s later: nothing is withdrawn, the record keeps its time.
    await expect(store.supersede(ticket, [mark('JOB_OFFERS', 'offers'), mark('STAFF', reasonA, a)], at(110_000), { assignedTo: b })).resolves.toEqual([]);
    expect((await statusOf(ids.get('notice to A')!)).status).toBe('DEFERRED');
    // An SLA warning the scheduler made while A held the ticket, ingested after the reassignment: stale whenever created.
    const late = await seed(ticket, [{ name: 'late warning to A', type: 'SLA_WARNING', templateKey: 'sla.warning', status: 'QUEUED', recipientId: a }]);
    await ds.query(`UPDATE "${schema.pg.schema}".deliveries SET created_at = $2 WHERE id = $1`, [late.get('late warning to A'), at(120_000)]);
    let claimed = (await store.claimDue(at(121_000), 50, 60_000, async () => null)).filter((d) => d.ticketId === ticket);
    expect(await store.withdrawSuperseded(claimed, at(121_000))).toEqual(new Set([late.get('late warning to A')]));
    // Assigned back to A (B → A): A's record is dropped, so A's new SLA warning goes.
    await store.supersede(ticket, [mark('JOB_OFFERS', 'offers'), mark('STAFF', 'withdrawn unsent: … (ticket.assigned e-b)', b)], at(130_000), { assignedTo: a });
    const back = await seed(ticket, [{ name: 'warning to A again', type: 'SLA_WARNING', templateKey: 'sla.warning', status: 'QUEUED', recipientId: a }]);
    claimed = (await store.claimDue(at(131_000), 50, 60_000, async () => null)).filter((d) => d.id === back.get('warning to A again'));
    expect(claimed).toHaveLength(1);
    await expect(store.withdrawSuperseded(claimed, at(131_000))).resolves.toEqual(new Set());
  });

  it('RetryDelivery refuses a DEAD job offer of a ticket taken since (it would be sent again), naming why', async () => {
    const ticket = randomUUID();
    const ids = await seed(ticket, [{ name: 'offer dead', type: 'TICKET_CREATED', templateKey: 'technician.job_offer', status: 'QUEUED' }]);
    const id = ids.get('offer dead')!;
    await ds.query(`UPDATE "${schema.pg.schema}".deliveries SET status = 'DEAD', last_error = 'ambiguous: no bookkeeping within the lease' WHERE id = $1`, [id]);
    await expect(store.supersede(ticket, OFFERS('withdrawn unsent: ticket GGN-20261207-0005 was assigned (ticket.assigned e-3)'), at(70_000))).resolves.toEqual([]);
    await expect(store.redrive(id, at(71_000))).rejects.toThrow('is no longer to be sent (ticket GGN-20261207-0005 was assigned (ticket.assigned e-3))');
    expect((await statusOf(id)).status).toBe('DEAD');
  });

  it('an invoice paid withdraws its waiting and given-up payment reminders (not one being sent or sent, not another invoice\'s); one that comes back or arrives later is withdrawn at its claim; RetryDelivery refuses one DEAD since', async () => {
    const invoice = randomUUID();
    const other = randomUUID();
    const reminder = (name: string, status: DeliveryStatus, invoiceId = invoice): Spec =>
      ({ name, type: 'PAYMENT_REMINDER', templateKey: 'payment.reminder', status, recipientKind: 'CUSTOMER', ticketId: null, invoiceId });
    const ids = await seed(randomUUID(), [
      reminder('7 days queued', 'QUEUED'), reminder('3 days held', 'DEFERRED'), reminder('1 day retrying', 'FAILED'),
      reminder('being sent', 'SENDING'), reminder('sent', 'SENT'), reminder('dead', 'QUEUED'), reminder('other invoice', 'DEFERRED', other),
      { name: 'maintenance', type: 'MAINTENANCE', templateKey: 'maintenance.notice', status: 'DEFERRED', recipientKind: 'CUSTOMER', ticketId: null },
    ]);
    await ds.query(`UPDATE "${schema.pg.schema}".deliveries SET status = 'DEAD', last_error = 'fonnte: http 500' WHERE id = $1`, [ids.get('dead')]);
    const before = (await cancelledEvents()).length;
    const reason = 'withdrawn unsent: invoice INV-202612-0007 was paid (transfer BCA 12/12)';
    const withdrawn = await store.closeInvoice(invoice, 'PAID', reason, at(30_000));
    expect(withdrawn.map((d) => d.recipientName).sort()).toEqual(['1 day retrying', '3 days held', '7 days queued', 'dead']);
    for (const name of ['7 days queued', '3 days held', '1 day retrying', 'dead']) {
      expect(await statusOf(ids.get(name)!)).toMatchObject({ status: 'CANCELLED', lastError: reason, nextAttemptAt: null, deferredUntil: null, deferredReason: null });
    }
    for (const [name, status] of [['being sent', 'SENDING'], ['sent', 'SENT'], ['other invoice', 'DEFERRED'], ['maintenance', 'DEFERRED']] as const) {
      expect([name, (await statusOf(ids.get(name)!)).status]).toEqual([name, status]);
    }
    const events = (await cancelledEvents()).slice(before);
    expect(events.map((e) => e.delivery!.id).sort()).toEqual(['7 days queued', '3 days held', '1 day retrying', 'dead'].map((n) => ids.get(n)!).sort());

    // Handled again (a redelivered event; a later VOID): nothing more, the first reason kept.
    await expect(store.closeInvoice(invoice, 'VOID', 'withdrawn unsent: invoice INV-202612-0007 was cancelled', at(31_000))).resolves.toEqual([]);
    // A reminder that gave up after the payment was recorded (it was being sent then): RetryDelivery refuses it, naming why.
    const deadSince = await seed(randomUUID(), [reminder('dead since', 'QUEUED')]);
    await ds.query(`UPDATE "${schema.pg.schema}".deliveries SET status = 'DEAD', last_error = 'gave up after 5 rounds' WHERE id = $1`, [deadSince.get('dead since')]);
    await expect(store.redrive(deadSince.get('dead since')!, at(32_000))).rejects.toThrow('is no longer to be sent (invoice INV-202612-0007 was paid (transfer BCA 12/12))');

    // The one being sent fails its round (FAILED, due now) and a reminder of the paid invoice is
    // ingested after the payment (the schedule event handled late): both withdrawn at their claim.
    await ds.query(`UPDATE "${schema.pg.schema}".deliveries SET status = 'FAILED', due_at = $2, next_attempt_at = $2, lease_until = NULL WHERE id = $1`, [ids.get('being sent'), at(33_000)]);
    const late = await seed(randomUUID(), [reminder('late reminder', 'QUEUED')]);
    const claimed = (await store.claimDue(at(7_200_000), 50, 60_000, async () => null))
      .filter((d) => ['being sent', 'late reminder', 'other invoice', 'maintenance'].includes(d.recipientName));
    expect(claimed.map((d) => d.recipientName).sort()).toEqual(['being sent', 'late reminder', 'maintenance', 'other invoice']);
    const atClaim = await store.withdrawClosedInvoices(claimed, at(7_200_000));
    expect([...atClaim].sort()).toEqual([ids.get('being sent')!, late.get('late reminder')!].sort());
    for (const id of atClaim) expect(await statusOf(id)).toMatchObject({ status: 'CANCELLED', lastError: reason, leaseUntil: null });
    expect((await statusOf(ids.get('other invoice')!)).status).toBe('SENDING');
    // A claim with no payment reminder in it runs no statement and withdraws nothing.
    await expect(store.withdrawClosedInvoices(claimed.filter((d) => d.notificationType !== 'PAYMENT_REMINDER'), at(7_200_000))).resolves.toEqual(new Set());
  });

  it('an opt-out withdraws what waits for that phone on that channel, not the STOP\'s answer, a group, the other channel or what went', async () => {
    const phone = '6281299990001';
    const ids = await seed(randomUUID(), [
      { name: 'held', type: 'TICKET_CREATED', templateKey: 'ticket.created.disturbance', status: 'DEFERRED', recipientKind: 'CUSTOMER', phone },
      { name: 'retrying', type: 'MAINTENANCE', templateKey: 'maintenance.notice', status: 'FAILED', recipientKind: 'CUSTOMER', phone, ticketId: null },
      { name: 'stop answer', type: 'REPLY', templateKey: '', status: 'QUEUED', recipientKind: 'PHONE', phone, key: `reply:fonnte:${randomUUID()}` },
      { name: 'sms', type: 'TICKET_CREATED', templateKey: 'ticket.created.disturbance', status: 'DEFERRED', recipientKind: 'CUSTOMER', phone, channel: 'SMS' },
      { name: 'sent', type: 'TICKET_CREATED', templateKey: 'ticket.created.disturbance', status: 'SENT', recipientKind: 'CUSTOMER', phone },
      { name: 'another phone', type: 'TICKET_CREATED', templateKey: 'ticket.created.disturbance', status: 'DEFERRED', recipientKind: 'CUSTOMER' },
    ]);
    const withdrawn = await store.withdrawOptedOut(phone, 'WHATSAPP', `withdrawn unsent: ${phone} opted out of WhatsApp (STOP reply via fonnte)`, at(20_000));
    expect(withdrawn.map((d) => d.recipientName).sort()).toEqual(['held', 'retrying']);
    for (const name of ['held', 'retrying']) {
      expect(await statusOf(ids.get(name)!)).toMatchObject({ status: 'CANCELLED', lastError: `withdrawn unsent: ${phone} opted out of WhatsApp (STOP reply via fonnte)`, deferredUntil: null });
    }
    for (const [name, status] of [['stop answer', 'QUEUED'], ['sms', 'DEFERRED'], ['sent', 'SENT'], ['another phone', 'DEFERRED']] as const) {
      expect([name, (await statusOf(ids.get(name)!)).status]).toEqual([name, status]);
    }
    // Applied again: nothing more.
    expect(await store.withdrawOptedOut(phone, 'WHATSAPP', 'again', at(21_000))).toEqual([]);
    // An answer of the reply flow queued before the opt-out (held by the rate limit) goes too;
    // one queued after it (the STOP's confirmation) stays.
    const later = await seed(randomUUID(), [
      { name: 'answer before', type: 'REPLY', templateKey: '', status: 'DEFERRED', recipientKind: 'PHONE', phone, key: `reply:fonnte:${randomUUID()}` },
      { name: 'answer after', type: 'REPLY', templateKey: '', status: 'QUEUED', recipientKind: 'PHONE', phone, key: `reply:fonnte:${randomUUID()}` },
    ]);
    // Seeded at t0 and t0 + 1 ms: the opt-out committed between them.
    const second = await store.withdrawOptedOut(phone, 'WHATSAPP', 'opted out', at(22_000), at(1));
    expect(second.map((d) => d.recipientName)).toEqual(['answer before']);
    expect((await statusOf(later.get('answer after')!)).status).toBe('QUEUED');
  });

  it('an SMS opt-out also drops the SMS fallback text of the phone\'s WhatsApp messages still in play (waiting, or SENT in the last 7 days: a failure receipt could move them to SMS)', async () => {
    const phone = '6281299990002';
    const text = 'SMS: TIKET GANGGUAN DITERIMA';
    const ids = await seed(randomUUID(), [
      { name: 'wa waiting', type: 'TICKET_CREATED', templateKey: 'ticket.created.disturbance', status: 'DEFERRED', recipientKind: 'CUSTOMER', phone, fallbackBody: text },
      { name: 'wa sent', type: 'TICKET_CREATED', templateKey: 'ticket.created.disturbance', status: 'SENT', recipientKind: 'CUSTOMER', phone, fallbackBody: text },
      { name: 'wa sent long ago', type: 'TICKET_CREATED', templateKey: 'ticket.created.disturbance', status: 'SENT', recipientKind: 'CUSTOMER', phone, fallbackBody: text },
      { name: 'sms waiting', type: 'TICKET_CREATED', templateKey: 'ticket.created.disturbance', status: 'QUEUED', recipientKind: 'CUSTOMER', phone, channel: 'SMS' },
      { name: 'another phone', type: 'TICKET_CREATED', templateKey: 'ticket.created.disturbance', status: 'QUEUED', recipientKind: 'CUSTOMER', fallbackBody: text },
    ]);
    await ds.query(`UPDATE "${schema.pg.schema}".deliveries SET sent_at = $2 WHERE id = $1`, [ids.get('wa sent long ago'), at(-8 * 86_400_000)]);
    const withdrawn = await store.withdrawOptedOut(phone, 'SMS', `withdrawn unsent: ${phone} opted out of SMS (STOP)`, at(40_000));
    expect(withdrawn.map((d) => d.recipientName)).toEqual(['sms waiting']);
    const fallbackOf = async (name: string) => (await statusOf(ids.get(name)!)).fallbackBody;
    expect(await fallbackOf('wa waiting')).toBeNull();
    expect(await fallbackOf('wa sent')).toBeNull();
    expect(await fallbackOf('wa sent long ago')).toBe(text);
    expect(await fallbackOf('another phone')).toBe(text);
    expect((await statusOf(ids.get('wa waiting')!)).status).toBe('DEFERRED'); // the WhatsApp message itself still goes

    // SMS switched off in a customer's preferences: the same, by recipient.
    const customerId = randomUUID();
    const mine = await seed(randomUUID(), [
      { name: 'mine wa', type: 'TICKET_CREATED', templateKey: 'ticket.created.disturbance', status: 'FAILED', recipientKind: 'CUSTOMER', recipientId: customerId, fallbackBody: text },
    ]);
    await store.withdrawSwitchedOff({ kind: 'CUSTOMER', id: customerId }, 'SMS', 'switched off', at(41_000));
    expect((await statusOf(mine.get('mine wa')!)).fallbackBody).toBeNull();
    // A WhatsApp opt-out leaves the SMS fallback of the other messages alone.
    expect(await store.withdrawOptedOut('6281299990009', 'WHATSAPP', 'opted out', at(42_000))).toEqual([]);
    expect(await fallbackOf('another phone')).toBe(text);
  });

  it('a channel switched off withdraws that recipient\'s waiting messages on it (by recipient, not phone)', async () => {
    const customerId = randomUUID();
    const ids = await seed(randomUUID(), [
      { name: 'mine', type: 'TICKET_CREATED', templateKey: 'ticket.created.disturbance', status: 'QUEUED', recipientKind: 'CUSTOMER', recipientId: customerId },
      { name: 'mine sms', type: 'TICKET_CREATED', templateKey: 'ticket.created.disturbance', status: 'QUEUED', recipientKind: 'CUSTOMER', recipientId: customerId, channel: 'SMS' },
      { name: 'someone else', type: 'TICKET_CREATED', templateKey: 'ticket.created.disturbance', status: 'QUEUED', recipientKind: 'CUSTOMER', recipientId: randomUUID() },
    ]);
    const withdrawn = await store.withdrawSwitchedOff({ kind: 'CUSTOMER', id: customerId }, 'WHATSAPP', 'switched off', at(30_000));
    expect(withdrawn.map((d) => d.id)).toEqual([ids.get('mine')]);
    expect((await statusOf(ids.get('mine sms')!)).status).toBe('QUEUED');
    expect((await statusOf(ids.get('someone else')!)).status).toBe('QUEUED');
  });

  it('GetStats\' mean time to send leaves out the messages held by quiet hours or the rate limit', async () => {
    const since = new Date('2030-01-01T00:00:00Z');
    const ids = await seed(randomUUID(), [
      { name: 'straight', type: 'MAINTENANCE', templateKey: 'maintenance.notice', status: 'QUEUED', ticketId: null },
      { name: 'held', type: 'MAINTENANCE', templateKey: 'maintenance.notice', status: 'QUEUED', ticketId: null },
    ]);
    const table = `"${schema.pg.schema}".deliveries`;
    // Created in 2030 (after every other row of this schema): sent 2 s after, and 8 h after for the one held by quiet hours.
    await ds.query(`UPDATE ${table} SET status = 'SENT', created_at = $2, sent_at = $2::timestamptz + interval '2 seconds' WHERE id = $1`, [ids.get('straight'), since]);
    await ds.query(`UPDATE ${table} SET status = 'SENT', created_at = $2, sent_at = $2::timestamptz + interval '8 hours', deferred_reason = 'quiet hours' WHERE id = $1`, [ids.get('held'), since]);
    expect((await store.stats(since)).meanTimeToSendMs).toBe(2000);
  });
});
