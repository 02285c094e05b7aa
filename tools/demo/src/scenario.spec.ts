import { commonv1, gatewayv1, ticketv1 } from '@notify/proto';
import { DEMO_GANGGUAN, HEADLINES, isDemoGangguan, quietHoursMessage, rateLimitHold, routingHint, ROUTING_TYPE_OF, stillMissingReport } from './scenario';

const HOUR = 3_600_000;
const S = gatewayv1.DeliveryStatus;

/** A delivery to the seeds' customer with just the fields rateLimitHold reads. */
function delivery(id: string, fields: Partial<gatewayv1.Delivery>): gatewayv1.Delivery {
  return gatewayv1.Delivery.fromPartial({ id, recipient: '6282291921583', priority: commonv1.Priority.PRIORITY_NORMAL, ...fields });
}

describe('rateLimitHold (is a DEFERRED delivery held by the per-recipient rate limit?)', () => {
  const t0 = new Date('2026-12-06T10:15:42.318Z');
  const sent = [0, 60_000, 120_000].map((offset, i) =>
    delivery(`sent-${i}`, { status: S.DELIVERY_STATUS_SENT, createdAt: new Date(t0.getTime() + offset - 40), sentAt: new Date(t0.getTime() + offset) }),
  );
  const deferredUntil = new Date(t0.getTime() + HOUR + 1);

  it("recognizes the gateway's reason, and counts the sends within the window before the slot frees", () => {
    const held = delivery('held', { status: S.DELIVERY_STATUS_DEFERRED, deferredUntil, deferredReason: 'recipient rate limit' });
    expect(rateLimitHold(held, [held, ...sent], HOUR)).toEqual({ until: deferredUntil, windowMs: HOUR, sentInWindow: 3 });
  });

  it('does not take quiet hours (or a deferral without a reason) for the rate limit', () => {
    expect(rateLimitHold(delivery('night', { status: S.DELIVERY_STATUS_DEFERRED, deferredUntil, deferredReason: 'quiet hours' }), sent, HOUR)).toBeUndefined();
    expect(rateLimitHold(delivery('old', { status: S.DELIVERY_STATUS_DEFERRED, deferredUntil }), sent, HOUR)).toBeUndefined();
  });

  it('ignores other statuses', () => {
    expect(rateLimitHold(delivery('q', { status: S.DELIVERY_STATUS_QUEUED, deferredUntil, deferredReason: 'recipient rate limit' }), sent, HOUR)).toBeUndefined();
  });
});

describe("isDemoGangguan (which OPEN Karawang tickets the demo may cancel)", () => {
  const SEED = '3d6f0a52-1111-4c1e-9b1a-000000000001';
  const demo = ticketv1.Ticket.fromPartial({
    type: ticketv1.TicketType.TICKET_TYPE_DISTURBANCE,
    customerId: SEED,
    workZone: 'karawang',
    title: DEMO_GANGGUAN.title,
    description: DEMO_GANGGUAN.description,
  });

  it("only step 2's ticket of a demo run: the seeds' customer and the demo's title and description", () => {
    expect(isDemoGangguan(demo, SEED)).toBe(true);
    expect(isDemoGangguan({ ...demo, customerId: '3d6f0a52-1111-4c1e-9b1a-000000000002' }, SEED)).toBe(false); // another customer's
    expect(isDemoGangguan({ ...demo, title: 'Internet mati' }, SEED)).toBe(false); // the operator's, same customer
    expect(isDemoGangguan({ ...demo, description: 'Internet mati (demo): kabel putus' }, SEED)).toBe(false);
    expect(isDemoGangguan({ ...demo, workZone: 'bekasi' }, SEED)).toBe(false);
    expect(isDemoGangguan({ ...demo, type: ticketv1.TicketType.TICKET_TYPE_INSTALLATION }, SEED)).toBe(false);
  });
});

describe('the "still missing" error of a step says which routing rules to check', () => {
  const groupOffer = { label: 'job offer to the group Teknisi Karawang', recipient: 'Teknisi Karawang (karawang) 120363000000000101@g.us', headline: HEADLINES.jobOffer };

  it("names the notification type of the missing messages (QA: step 2's group job offer with its rule off)", () => {
    const text = stillMissingReport(2, 30_000, [groupOffer], ['  fonnte → Andi Pratama (karawang) 6281200000101: 🆕 TICKET BARU!'], '');
    const [first, ...rest] = text.split('\n');
    expect(first).toBe('step 2: after 30000 ms still missing (are the routing rules on? npx notifyctl routing list --type ticket.created):');
    expect(rest).toEqual([
      '  job offer to the group Teknisi Karawang (Teknisi Karawang (karawang) 120363000000000101@g.us)',
      'arrived:',
      '  fonnte → Andi Pratama (karawang) 6281200000101: 🆕 TICKET BARU!',
    ]);
  });

  it('one command per type, on one line; nothing arrived; the pending deliveries kept at the end', () => {
    const text = stillMissingReport(
      3,
      500,
      [
        { label: 'assigned', recipient: 'Budi', headline: HEADLINES.gangguanAssigned },
        { label: 'confirmation', recipient: 'Andi', headline: HEADLINES.replyTaken },
        { label: 'offer', recipient: 'Rudi', headline: HEADLINES.jobOffer },
        { label: 'received', recipient: 'Budi', headline: HEADLINES.gangguanCreated },
      ],
      [],
      '\nthe gateway\'s deliveries to them in this step:\n  Budi: x FAILED',
    );
    expect(text.split('\n')[0]).toBe(
      'step 3: after 500 ms still missing (are the routing rules on? npx notifyctl routing list --type ticket.assigned; npx notifyctl routing list --type ticket.created):',
    );
    expect(text).toContain('arrived:\n  (nothing)\nthe gateway\'s deliveries to them in this step:\n  Budi: x FAILED');
  });

  it('no hint when no missing message comes from a routing rule (the reply flow answers the technician itself)', () => {
    expect(routingHint([HEADLINES.replyTaken, HEADLINES.replyCompleted])).toBe('');
    expect(stillMissingReport(3, 500, [{ label: 'confirmation', recipient: 'Andi', headline: HEADLINES.replyStarted }], []).split('\n')[0]).toBe('step 3: after 500 ms still missing:');
  });

  it("knows the type of every message of the story but the reply flow's, as notifyctl routing list --type takes it", () => {
    expect(ROUTING_TYPE_OF).toEqual({
      [HEADLINES.registrationConfirmation]: 'registration_confirmation',
      [HEADLINES.welcome]: 'customer.activated',
      [HEADLINES.gangguanCreated]: 'ticket.created',
      [HEADLINES.psbCreated]: 'ticket.created',
      [HEADLINES.jobOffer]: 'ticket.created',
      [HEADLINES.gangguanAssigned]: 'ticket.assigned',
      [HEADLINES.gangguanStarted]: 'ticket.started',
      [HEADLINES.gangguanCompleted]: 'ticket.completed',
      [HEADLINES.slaWarning]: 'sla.warning',
    });
    expect(routingHint([HEADLINES.slaWarning])).toBe('(are the routing rules on? npx notifyctl routing list --type sla.warning)');
  });
});

describe('quietHoursMessage (a step held by quiet hours fails at once)', () => {
  it('names who, the delivery, until when in WIB, and how to lift the quiet hours for the demo', () => {
    const held = gatewayv1.Delivery.fromPartial({
      id: 'd-1', recipientKind: commonv1.RecipientKind.RECIPIENT_KIND_STAFF, deferredReason: 'quiet hours', deferredUntil: new Date('2026-12-08T00:00:00Z'),
    });
    expect(quietHoursMessage(2, 'job offer', 'Andi (technician)', '6281200000001', held)).toBe(
      "step 2: job offer (Andi (technician)) is held by the recipient's quiet hours: delivery d-1 is DEFERRED until 2026-12-08 07:00 WIB. " +
        'The demo\'s people should have none: npx notifyctl staff preferences 6281200000001 --quiet none, then run the demo again.',
    );
    expect(quietHoursMessage(2, 'x', 'Budi', '628', { ...held, recipientKind: commonv1.RecipientKind.RECIPIENT_KIND_CUSTOMER })).toContain('npx notifyctl customers preferences 628 --quiet none');
  });
});
