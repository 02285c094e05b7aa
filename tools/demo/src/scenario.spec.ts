import { commonv1, gatewayv1 } from '@notify/proto';
import { rateLimitHold } from './scenario';

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

  it("recognizes the gateway's deferral: deferred_until = an earlier send's sent_at + the window + 1 ms", () => {
    const held = delivery('held', { status: S.DELIVERY_STATUS_DEFERRED, createdAt: new Date(t0.getTime() + 180_000), deferredUntil: new Date(t0.getTime() + HOUR + 1) });
    expect(rateLimitHold(held, [held, ...sent], HOUR)).toEqual({ until: held.deferredUntil, windowMs: HOUR, sentInWindow: 3 });
  });

  it('recognizes it when the freeing message was let go in the same claim (counted at the claim, accepted just after)', () => {
    const claimAt = new Date(t0.getTime() + 300_000);
    const inFlight = delivery('in-flight', { status: S.DELIVERY_STATUS_SENT, createdAt: new Date(claimAt.getTime() - 5), sentAt: new Date(claimAt.getTime() + 180) });
    const held = delivery('held', { status: S.DELIVERY_STATUS_DEFERRED, createdAt: new Date(claimAt.getTime() - 4), deferredUntil: new Date(claimAt.getTime() + HOUR + 1) });
    expect(rateLimitHold(held, [held, inFlight], HOUR)?.until).toEqual(held.deferredUntil);
  });

  it('does not take quiet hours for the rate limit (deferred to a wall-clock minute unrelated to the sends)', () => {
    const nightly = delivery('night', {
      status: S.DELIVERY_STATUS_SENT,
      createdAt: new Date('2026-12-06T14:00:00.000Z'),
      // held by quiet hours itself, sent when they ended: long in flight
      sentAt: new Date('2026-12-06T23:00:00.040Z'),
    });
    const held = delivery('held', { status: S.DELIVERY_STATUS_DEFERRED, createdAt: new Date('2026-12-06T15:30:00.000Z'), deferredUntil: new Date('2026-12-06T23:00:00.000Z') });
    expect(rateLimitHold(held, [held, nightly, ...sent], HOUR)).toBeUndefined();
  });

  it('ignores URGENT (never rate limited), other statuses and another window', () => {
    const deferredUntil = new Date(t0.getTime() + HOUR + 1);
    expect(rateLimitHold(delivery('u', { status: S.DELIVERY_STATUS_DEFERRED, deferredUntil, priority: commonv1.Priority.PRIORITY_URGENT }), sent, HOUR)).toBeUndefined();
    expect(rateLimitHold(delivery('q', { status: S.DELIVERY_STATUS_QUEUED, deferredUntil }), sent, HOUR)).toBeUndefined();
    expect(rateLimitHold(delivery('w', { status: S.DELIVERY_STATUS_DEFERRED, deferredUntil }), sent, 2 * HOUR)).toBeUndefined();
  });
});
