// The per-recipient rate limit at claim time against real Postgres (PgDeliveryStore.claimDue with
// the dispatcher's rule, rateLimitDeferral): a backlog to one recipient claimed in ONE pass (the
// end of quiet hours, a spam loop) lets at most the limit through and holds the rest; messages
// still being sent by an earlier pass (SENDING, no sent_at yet) count against the limit; URGENT
// is exempt but counts against the others; a ticket's own messages are neither limited nor counted.
import { randomUUID } from 'node:crypto';
import type { TestSchema } from '@notify/testing';
import type { DataSource } from 'typeorm';
import type { NewDelivery } from '../../src/application';
import { isRateLimitExempt, rateLimitDeferral, type DeliveryRecord, type Priority } from '../../src/domain';
import { PgDeliveryStore } from '../../src/infrastructure/persistence/delivery.store';
import { openGatewaySchema, type GatewaySchema } from '../support/gateway-schema';

const HOUR_MS = 3_600_000;

describe('PgDeliveryStore claim with the per-recipient rate limit (Postgres)', () => {
  let schema: GatewaySchema;
  let pg: TestSchema;
  let ds: DataSource;
  let store: PgDeliveryStore;
  const t0 = new Date('2026-12-05T23:00:05.000Z'); // 06:00:05 WIB: the end of a typical quiet window
  const at = (ms: number) => new Date(t0.getTime() + ms);
  let seq = 0;
  const phone = () => `62813${String(Date.now()).slice(-6)}${String(seq++).padStart(2, '0')}`;

  beforeAll(async () => {
    schema = await openGatewaySchema('gw_store_rate', 3);
    ({ pg, ds } = schema);
    store = new PgDeliveryStore(ds, { schema: pg.schema, namespace: 'tns' });
  });
  afterAll(async () => {
    await schema?.close();
  });
  beforeEach(async () => {
    await ds.query(`DELETE FROM "${pg.schema}".deliveries`);
  });

  /** `n` deliveries to `to`, each its own notification (as n separate events would be), due at t0. */
  async function queue(to: string, n: number, priority: Priority = 'NORMAL', type = 'WELCOME', keyPrefix = '', ticketId: string | null = null): Promise<void> {
    for (let i = 0; i < n; i++) {
      const { notification } = await store.createNotification({
        source: 'NOTIFY', idempotencyKey: `${keyPrefix}${randomUUID()}`, notificationType: type, priority, templateKey: '', ticketId, actor: null, variables: null, request: null,
      }, t0);
      const row: NewDelivery = {
        idempotencyKey: `${keyPrefix}${notification.id}|${to}`, notificationType: type, ticketId, sourceEventId: null, recipient: to, recipientKind: 'CUSTOMER',
        recipientId: null, recipientName: 'Sari', channel: 'WHATSAPP', priority, locale: 'ID', templateKey: 'k', templateVersion: 1,
        body: `halo ${i}`, fallbackBody: null, fallbackTemplateVersion: null, quietHours: null,
      };
      await store.insertFinalPage(notification.id, [row], 0, t0);
    }
  }

  /** One claim pass at `now` with the dispatcher's rate-limit rule (`limit` an hour; a ticket's own messages exempt). */
  const claim = (now: Date, limit: number, max = 64): Promise<DeliveryRecord[]> =>
    store.claimDue(now, max, 60_000, async (d, recent) => {
      if (isRateLimitExempt(d)) return null;
      const until = rateLimitDeferral(now, d.priority, await recent(HOUR_MS), limit, HOUR_MS);
      return until ? { until, reason: 'recipient rate limit' } : null;
    });
  const statuses = async (to: string) =>
    (await ds.query(`SELECT status, due_at FROM "${pg.schema}".deliveries WHERE recipient = $1 ORDER BY status`, [to]) as Array<{ status: string; due_at: Date }>);

  it('lets at most the limit through when one pass claims a backlog to one recipient, and holds the rest until a slot frees', async () => {
    const to = phone();
    await queue(to, 15);
    const sent = await claim(at(0), 10);
    expect(sent).toHaveLength(10);
    const rows = await statuses(to);
    expect(rows.filter((r) => r.status === 'SENDING')).toHaveLength(10);
    const held = rows.filter((r) => r.status === 'DEFERRED');
    expect(held).toHaveLength(5);
    // The ten let go now count as sent now: the first slot frees an hour later.
    for (const r of held) expect(r.due_at.getTime()).toBe(t0.getTime() + HOUR_MS + 1);
    // The gate's reason is kept with the row and shown on the delivery (proto deferred_reason).
    const deferred = (await store.list({ recipient: to, status: 'DEFERRED' }, 20));
    expect(deferred.map((d) => d.deferredReason)).toEqual(Array(5).fill('recipient rate limit'));
  });

  it('counts messages still being sent by an earlier pass (SENDING, not yet accepted)', async () => {
    const to = phone();
    await queue(to, 2);
    expect(await claim(at(0), 2)).toHaveLength(2); // in flight: SENDING, no sent_at yet
    await queue(to, 1);
    expect(await claim(at(1_000), 2)).toHaveLength(0);
    expect((await statuses(to)).map((r) => r.status)).toEqual(['DEFERRED', 'SENDING', 'SENDING']);
  });

  it('lets URGENT through past the limit, and counts it against the NORMAL ones', async () => {
    const to = phone();
    await queue(to, 3, 'URGENT');
    expect(await claim(at(0), 2)).toHaveLength(3);
    await queue(to, 2, 'NORMAL');
    expect(await claim(at(1_000), 2)).toHaveLength(0);
    expect((await statuses(to)).map((r) => r.status)).toEqual(['DEFERRED', 'DEFERRED', 'SENDING', 'SENDING', 'SENDING']);
  });

  it('neither holds back nor counts a ticket\'s own messages (job offers, lifecycle); the reply flow\'s answers are limited like bulk ones', async () => {
    const tech = phone();
    const sent = async () => ds.query(`UPDATE "${pg.schema}".deliveries SET status = 'SENT', sent_at = $2, lease_until = NULL WHERE recipient = $1 AND status = 'SENDING'`, [tech, t0]);
    // Six job offers of six tickets in a busy hour, and two sent through Notify naming a ticket.
    for (let i = 0; i < 6; i++) await queue(tech, 1, 'NORMAL', 'TICKET_CREATED', '', randomUUID());
    for (let i = 0; i < 2; i++) await queue(tech, 1, 'NORMAL', 'TECHNICIAN_JOB_OFFER', '', randomUUID());
    expect(await claim(at(0), 3)).toHaveLength(8);
    await sent();
    await queue(tech, 3, 'NORMAL', 'WELCOME'); // not held back by the eight above: they do not count
    expect(await claim(at(1), 3)).toHaveLength(3);
    await sent();
    for (let i = 0; i < 2; i++) await queue(tech, 1, 'HIGH', 'TECHNICIAN_JOB_OFFER', 'reply:fonnte:', randomUUID()); // help answers: the limit (3) is used up
    await queue(tech, 1, 'NORMAL', 'TECHNICIAN_JOB_OFFER'); // a Notify of that type about no ticket: limited too
    expect(await claim(at(2), 3)).toHaveLength(0);
    await queue(tech, 1, 'NORMAL', 'TICKET_ASSIGNED', '', randomUUID()); // the ticket's story still goes
    expect((await claim(at(3), 3)).map((d) => d.notificationType)).toEqual(['TICKET_ASSIGNED']);
    expect((await statuses(tech)).filter((r) => r.status === 'DEFERRED')).toHaveLength(3);
  });

  it('does not count other recipients, and lets everything through with no limit', async () => {
    const a = phone();
    const b = phone();
    await queue(a, 3);
    await queue(b, 3);
    expect(await claim(at(0), 3)).toHaveLength(6);
    await ds.query(`DELETE FROM "${pg.schema}".deliveries`);
    await queue(a, 12);
    expect(await claim(at(0), 0)).toHaveLength(12);
  });
});
