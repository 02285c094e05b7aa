import { commonv1, gatewayv1, ticketv1 } from '@notify/proto';
import { DEMO_GANGGUAN, isDemoGangguan, rateLimitHold } from './scenario';

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
