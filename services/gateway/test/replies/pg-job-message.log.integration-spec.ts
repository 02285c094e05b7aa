// PgJobMessageLog over a migrated gateway schema (real Postgres): which delivery is "the latest
// job message" a technician's "1" answers, and whether the reply flow answered them since.
import { randomUUID } from 'node:crypto';
import { PgJobMessageLog } from '../../src/infrastructure/persistence/pg-job-message.log';
import { openGatewaySchema, type GatewaySchema } from '../support/gateway-schema';

describe('PgJobMessageLog (deliveries as the job message log)', () => {
  let db: GatewaySchema;
  let log: PgJobMessageLog;
  const T0 = Date.UTC(2026, 10, 22, 1, 0);
  const at = (min: number) => new Date(T0 + min * 60_000);

  beforeAll(async () => {
    db = await openGatewaySchema('gw_jobmsg', 2);
    log = new PgJobMessageLog(db.ds, db.pg.schema);
  });
  afterAll(async () => {
    await db?.close();
  });

  /** One delivery row (with its notification) as the pipeline or the reply flow writes it. */
  const row = async (r: { key?: string; type: string; ticketId: string | null; to: string; sentMin: number | null; createdMin?: number; templateKey?: string }) => {
    const s = `"${db.pg.schema}"`;
    const notification = randomUUID();
    const key = r.key ?? `evt-${randomUUID()}`;
    const created = at(r.createdMin ?? r.sentMin ?? 0);
    await db.ds.query(
      `INSERT INTO ${s}.notifications (id, source, idempotency_key, notification_type, priority, status, created_at) VALUES ($1, 'EVENT', $2, $3, 'NORMAL', 'RESOLVED', $4)`,
      [notification, key, r.type, created],
    );
    await db.ds.query(
      `INSERT INTO ${s}.deliveries (id, notification_id, idempotency_key, notification_type, ticket_id, recipient, recipient_kind, channel, priority, body, status, due_at, created_at, updated_at, sent_at, template_key)
       VALUES ($1, $2, $3, $4, $5, $6, 'STAFF', 'WHATSAPP', 'NORMAL', 'text', $7, $8, $8, $8, $9, $10)`,
      [randomUUID(), notification, `${key}|${r.to}|WHATSAPP`, r.type, r.ticketId, r.to, r.sentMin === null ? 'QUEUED' : 'SENT', created, r.sentMin === null ? null : at(r.sentMin), r.templateKey ?? ''],
    );
  };

  it('the latest SENT lifecycle message with a ticket to the address; not yet sent, SLA warnings and other numbers do not count', async () => {
    const phone = '6281600000001';
    expect(await log.latest(phone, phone)).toBeNull();
    await row({ type: 'TICKET_CREATED', ticketId: 'ticket-a', to: phone, sentMin: 1 });
    await row({ type: 'TICKET_CREATED', ticketId: 'ticket-b', to: phone, sentMin: 5 });
    await row({ type: 'TICKET_CREATED', ticketId: 'ticket-c', to: phone, sentMin: null, createdMin: 9 }); // still queued: not seen
    await row({ type: 'SLA_WARNING', ticketId: 'ticket-d', to: phone, sentMin: 8 }); // not a job message
    await row({ type: 'TICKET_CREATED', ticketId: 'ticket-e', to: '6281600000099', sentMin: 9 }); // someone else's
    expect(await log.latest(phone, phone)).toEqual({ ticketId: 'ticket-b', sentAt: at(5), answeredSince: false });
  });

  it('answeredSince: a reply-flow answer (`reply:` key) sent to the phone after the message; the pipeline\'s messages do not count', async () => {
    const phone = '6281600000002';
    await row({ type: 'TICKET_CREATED', ticketId: 'ticket-x', to: phone, sentMin: 10 });
    await row({ key: 'reply:fonnte:early', type: 'TECHNICIAN_JOB_OFFER', ticketId: null, to: phone, sentMin: 9 });
    await row({ type: 'PAYMENT_REMINDER', ticketId: null, to: phone, sentMin: 11 });
    expect((await log.latest(phone, phone))!.answeredSince).toBe(false);
    await row({ key: 'reply:fonnte:queued', type: 'TECHNICIAN_JOB_OFFER', ticketId: null, to: phone, sentMin: null, createdMin: 11 });
    expect((await log.latest(phone, phone))!.answeredSince).toBe(false); // not sent yet: not seen
    // An answer carries the ticket it is about (listed with it) but is never itself the job message a "1" answers.
    await row({ key: 'reply:fonnte:4711', type: 'TECHNICIAN_JOB_OFFER', ticketId: 'ticket-y', to: phone, sentMin: 12 });
    expect(await log.latest(phone, phone)).toEqual({ ticketId: 'ticket-x', sentAt: at(10), answeredSince: true });
  });

  it('the notice of a ticket reassigned away ("TIKET DIALIHKAN") is not a job message: a "1" after it answers the message before', async () => {
    const phone = '6281600000003';
    await row({ type: 'TICKET_ASSIGNED', ticketId: 'own-ticket', to: phone, sentMin: 20, templateKey: 'technician.ticket_assigned' });
    await row({ type: 'TICKET_ASSIGNED', ticketId: 'lost-ticket', to: phone, sentMin: 25, templateKey: 'technician.ticket_reassigned' });
    expect(await log.latest(phone, phone)).toEqual({ ticketId: 'own-ticket', sentAt: at(20), answeredSince: false });
  });

  it('a group: the latest offer posted in the group, answered-since read on the member\'s phone', async () => {
    const group = '120363000000000777@g.us';
    const member = '6281600000003';
    await row({ type: 'TICKET_CREATED', ticketId: 'ticket-g', to: group, sentMin: 20 });
    await row({ type: 'TICKET_CREATED', ticketId: 'ticket-p', to: member, sentMin: 21 });
    expect(await log.latest(group, member)).toEqual({ ticketId: 'ticket-g', sentAt: at(20), answeredSince: false });
    await row({ key: 'reply:wablas:1', type: 'TECHNICIAN_JOB_OFFER', ticketId: null, to: member, sentMin: 22 });
    expect((await log.latest(group, member))!.answeredSince).toBe(true);
  });
});
