// The technician "press 1" flow wired through the gateway (server.ts): Fonnte inbound webhook →
// reply flow → ticket service, with the job offers really sent by the pipeline (deliveries
// table, Fonnte simulator) and the answers really queued and sent by the dispatcher. Covers
// the review's findings: "1" answers the latest job message (a busy technician taking a new
// offer), a message that cannot be recorded is answered non-200 (the provider retries), help
// answers are rate limited (non-URGENT), and the take confirmation names the customer; each
// reply is one "inbound message handled" line in the gateway's log.
// Real Postgres, NATS, customer / template / ticket services and simulators.
import { Client } from 'pg';
import { callUnary } from '@notify/grpc-kit';
import { createLogger } from '@notify/logger';
import { commonv1, customerv1, ticketv1 } from '@notify/proto';
import { waitFor } from '@notify/testing';
import type { DeliveryRecord } from '../../src/domain';
import { startStack, WEBHOOK_SECRET, type Stack } from '../support/gateway-stack';

jest.setTimeout(90_000);

const S = ticketv1.TicketStatus;
const SENT = ['SENT', 'DELIVERED', 'READ'];
let phoneSeq = Math.floor(Math.random() * 1_000_000);
function freshPhone(): { local: string; e164: string } {
  const n = String(10_000_000 + (++phoneSeq % 89_999_999)).padStart(8, '0');
  return { local: `0816${n}`, e164: `62816${n}` };
}
let inbox = Math.floor(Math.random() * 1_000_000);

describe('technician replies through the gateway (webhook → reply flow → ticket service; answers through the pipeline)', () => {
  let stack: Stack;
  /** The gateway's log lines (info and above). */
  const logLines: Array<{ level: string; msg: string; [field: string]: unknown }> = [];

  beforeAll(async () => {
    const gatewayLogger = createLogger({ service: 'gateway-reply-it', level: 'info', destination: { write: (line: string) => void logLines.push(JSON.parse(line)) } });
    stack = await startStack('gw_reply', { RECIPIENT_RATE_LIMIT: '10', RECIPIENT_RATE_WINDOW_MS: '3600000' }, { gatewayLogger });
  }, 90_000);

  afterAll(async () => {
    await stack?.stop();
  }, 60_000);

  const zone = () => `rz${Math.floor(Math.random() * 1e7)}`;
  const technician = async (name: string, workZone: string) => {
    const phone = freshPhone();
    const res = await callUnary(stack.customerClient, 'createStaff', customerv1.CreateStaffRequest.fromPartial({
      name, phone: phone.local, role: commonv1.Role.ROLE_TECHNICIAN, workZones: [workZone],
    }));
    return { id: res.staff!.id, name, e164: phone.e164 };
  };
  const customer = async (workZone: string, name: string) => {
    const phone = freshPhone();
    const res = await callUnary(stack.customerClient, 'registerCustomer', customerv1.RegisterCustomerRequest.fromPartial({
      name, phone: phone.local, address: 'Jl. Kenanga 7', workZone, packageName: 'Home 30 Mbps', wantsInstallation: false,
    }));
    return { id: res.customer!.id, name, e164: phone.e164 };
  };
  const createTicket = async (customerId: string, workZone: string, description: string): Promise<ticketv1.Ticket> =>
    (await callUnary(stack.ticketClient, 'createTicket', ticketv1.CreateTicketRequest.fromPartial({
      type: ticketv1.TicketType.TICKET_TYPE_DISTURBANCE, customerId, description, address: 'Jl. Kenanga 7', workZone, priority: commonv1.Priority.PRIORITY_NORMAL,
    }))).ticket!;
  const getTicket = async (id: string): Promise<ticketv1.Ticket> => (await callUnary(stack.ticketClient, 'getTicket', ticketv1.GetTicketRequest.fromPartial({ id }))).ticket!;
  /** The job offer of `ticketId` to `phone`, once a provider accepted it (sent_at set). */
  const offerSent = (ticketId: string, phone: string): Promise<DeliveryRecord> =>
    waitFor(async () => {
      const [d] = await stack.gateway.store.list({ ticketId, recipient: phone }, 10);
      return d && d.sentAt ? d : null;
    }, { timeoutMs: 30_000, intervalMs: 100 });
  /** Posts a Fonnte inbound message; resolves with the HTTP status once the gateway answered (the reply flow has run). */
  const inbound = async (from: string, message: string, inboxid = ++inbox): Promise<number> => {
    const res = await fetch(`${stack.gateway.webhooks.url}/webhooks/fonnte/inbound?secret=${WEBHOOK_SECRET}`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ sender: from, message, inboxid }),
    });
    return res.status;
  };
  /** The reply flow's answers to `phone` (deliveries with a `reply:` key), oldest first. */
  const answersTo = async (phone: string): Promise<DeliveryRecord[]> =>
    (await stack.gateway.store.list({ recipient: phone }, 100)).filter((d) => d.idempotencyKey.startsWith('reply:')).reverse();

  it('a technician busy on job A answers the offer of job B with "1": B is assigned to them, A stays IN_PROGRESS; the take confirmation names the customer', async () => {
    const z = zone();
    const budi = await technician('Budi Teknisi', z);
    const ani = await customer(z, 'Ani Wulandari');
    const rudi = await customer(z, 'Rudi Hartono');

    const a = await createTicket(ani.id, z, 'Internet mati');
    await offerSent(a.id, budi.e164);
    expect(await inbound(budi.e164, '1')).toBe(200); // takes A
    expect(await getTicket(a.id)).toMatchObject({ status: S.TICKET_STATUS_ASSIGNED, technicianId: budi.id });
    expect(await inbound(budi.e164, '1')).toBe(200); // starts A
    expect((await getTicket(a.id)).status).toBe(S.TICKET_STATUS_IN_PROGRESS);
    const versionA = (await getTicket(a.id)).version;

    // While Budi works on A, B opens in his zone: the offer reaches him ("Balas *1* untuk mengambil tiket ini").
    const b = await createTicket(rudi.id, z, 'Modem mati');
    const offer = await offerSent(b.id, budi.e164);
    expect(offer.body).toContain('Balas *1*');
    expect(await inbound(budi.e164, '1')).toBe(200);

    expect(await getTicket(b.id)).toMatchObject({ status: S.TICKET_STATUS_ASSIGNED, technicianId: budi.id });
    expect(await getTicket(a.id)).toMatchObject({ status: S.TICKET_STATUS_IN_PROGRESS, technicianId: budi.id, version: versionA });
    // The take confirmation reached Budi's WhatsApp with A's customer: name and phone.
    const taken = await waitFor(() => stack.sims.fonnte.messages().find((m) => m.to === budi.e164 && m.text.includes('PEKERJAAN BERHASIL DIAMBIL')), { timeoutMs: 20_000 });
    expect(taken.text).toContain(`🎫 Nomor: ${a.number}\n`);
    expect(taken.text).toContain(`👤 Pelanggan: ${ani.name}\n`);
    expect(taken.text).toContain(`📞 Kontak: +${ani.e164}\n`);
    const answers = await answersTo(budi.e164);
    expect(answers.map((d) => d.body.split('\n', 1)[0])).toEqual(['✅ *PEKERJAAN BERHASIL DIAMBIL*', '🚀 *PEKERJAAN DIMULAI*', '✅ *PEKERJAAN BERHASIL DIAMBIL*']);
    expect(answers.map((d) => d.priority)).toEqual(['URGENT', 'URGENT', 'URGENT']);
    // Typed as answers, not as job offers (stats by type, `deliveries list --type`).
    expect(answers.map((d) => d.notificationType)).toEqual(['REPLY', 'REPLY', 'REPLY']);
    // Each confirmation carries the ticket it is about: it is listed with that ticket's deliveries.
    expect(answers.map((d) => d.ticketId)).toEqual([a.id, a.id, b.id]);
    expect((await stack.gateway.store.list({ ticketId: b.id, recipient: budi.e164 }, 10)).map((d) => d.id)).toContain(answers[2]!.id);
    expect(answers[2]!.body).toContain(`🎫 Nomor: ${b.number}\n`);
    expect(answers[2]!.body).toContain(`👤 Pelanggan: ${rudi.name}\n`);
    expect(answers[2]!.body).toContain(`📞 Kontak: +${rudi.e164}\n`);
    // A's customer hears nothing of a completion.
    await new Promise((r) => setTimeout(r, 500));
    expect(stack.sims.fonnte.messages().filter((m) => m.to === ani.e164 && m.text.includes('BERHASIL DIATASI'))).toEqual([]);
  });

  it('the inbound message cannot be recorded (inbound_messages unreachable): the webhook answers 5xx and nothing is done; the provider\'s retry then acts once', async () => {
    const z = zone();
    const citra = await technician('Citra Teknisi', z);
    const cust = await customer(z, 'Sari Dewi');
    const t = await createTicket(cust.id, z, 'Lampu LOS merah');
    await offerSent(t.id, citra.e164);
    const id = ++inbox;
    const pg = new Client({ connectionString: stack.gatewaySchema.url });
    await pg.connect();
    const table = `"${stack.gatewaySchema.schema}".inbound_messages`;
    try {
      await pg.query(`ALTER TABLE ${table} RENAME TO inbound_messages_away`);
      try {
        const status = await inbound(citra.e164, '1', id);
        expect(status).toBeGreaterThanOrEqual(500);
      } finally {
        await pg.query(`ALTER TABLE "${stack.gatewaySchema.schema}".inbound_messages_away RENAME TO inbound_messages`);
      }
    } finally {
      await pg.end();
    }
    expect(await getTicket(t.id)).toMatchObject({ status: S.TICKET_STATUS_OPEN, version: 1 });
    expect(await answersTo(citra.e164)).toEqual([]); // no half-done "try again" either

    expect(await inbound(citra.e164, '1', id)).toBe(200); // Fonnte retries the same inboxid
    expect(await getTicket(t.id)).toMatchObject({ status: S.TICKET_STATUS_ASSIGNED, technicianId: citra.id });
    expect(await inbound(citra.e164, '1', id)).toBe(200); // and again: a duplicate now
    expect(await getTicket(t.id)).toMatchObject({ status: S.TICKET_STATUS_ASSIGNED, version: 2 });
    expect((await answersTo(citra.e164)).map((d) => d.priority)).toEqual(['URGENT']);
  });

  it('a bot writing to the number gets help answers at HIGH priority: with a limit of 10 an hour, the 11th answer is DEFERRED', async () => {
    const bot = freshPhone().e164;
    for (let i = 0; i < 11; i++) expect(await inbound(bot, `Auto-reply ${i}: saya sedang tidak di tempat`)).toBe(200);
    const settled = await waitFor(async () => {
      const rows = await answersTo(bot);
      const sent = rows.filter((d) => SENT.includes(d.status));
      const deferred = rows.filter((d) => d.status === 'DEFERRED');
      return rows.length === 11 && sent.length === 10 && deferred.length === 1 ? { rows, deferred } : null;
    }, { timeoutMs: 30_000, intervalMs: 200 });
    expect(settled.rows.every((d) => d.priority === 'HIGH')).toBe(true);
    expect(settled.deferred[0]!.deferredUntil!.getTime()).toBeGreaterThan(Date.now() + 50 * 60_000);
    // Only the ten went out.
    await new Promise((r) => setTimeout(r, 500));
    expect(stack.sims.fonnte.messages().filter((m) => m.to === bot)).toHaveLength(10);
  });

  it('a reply is logged once ("inbound message handled" with its provider, inbound message id and action)', async () => {
    const handled = () => logLines.filter((l) => l.msg === 'inbound message handled');
    const before = handled().length;
    const id = ++inbox;
    expect(await inbound(freshPhone().e164, 'halo, ini siapa?', id)).toBe(200);
    const lines = handled().slice(before);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 'info', provider: 'fonnte', inbound_message_id: String(id), action: expect.any(String) });
  });

  it('warns at start when Twilio is enabled without WEBHOOK_PUBLIC_URL (its messages carry no StatusCallback: QA, silent); not with it', async () => {
    const warned = () => logLines.filter((l) => l.level === 'warn' && l['missing'] === 'WEBHOOK_PUBLIC_URL');
    expect(warned()).toEqual([]); // the stack's gateway has its public URL
    await stack.restartGateway({ WEBHOOK_PUBLIC_URL: '' });
    expect(warned()).toEqual([expect.objectContaining({ provider: 'twilio', msg: expect.stringMatching(/^WEBHOOK_PUBLIC_URL is not set: Twilio messages carry no StatusCallback/) })]);
  });
});
