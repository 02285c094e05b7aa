import { backoffMs } from '@notify/db';
import {
  allowsSmsFallback, canFallBackToSms, decideAfterFailedReceipt, decideAfterFailure, deliveryIdempotencyKey, isPermanentReceiptFailure, providerError, quietHoursEnd, rateLimitDeferral, statusAfterReceipt, successRatePercent, supersessionsOf, whyNoSmsFallback,
  type DeliveryStatus, type ReceiptKind,
} from '../../src/domain';

describe('statusAfterReceipt (receipts never move a delivery backwards)', () => {
  it.each<[DeliveryStatus, ReceiptKind, DeliveryStatus | null]>([
    ['SENT', 'delivered', 'DELIVERED'],
    ['SENT', 'read', 'READ'],
    ['DELIVERED', 'read', 'READ'],
    ['READ', 'delivered', null],
    ['READ', 'read', null],
    ['DELIVERED', 'delivered', null],
    ['SENT', 'sent', null],
    ['SENT', 'pending', null],
    ['FAILED', 'pending', null],
    ['SENT', 'failed', 'FAILED'],
    ['DELIVERED', 'failed', null],
    ['READ', 'failed', null],
    ['DEAD', 'delivered', null],
    ['SENDING', 'delivered', 'DELIVERED'],
    ['QUEUED', 'read', null],
  ])('%s + %s receipt → %s', (from, receipt, to) => {
    expect(statusAfterReceipt(from, receipt)).toBe(to);
  });
});

describe('supersessionsOf (what a ticket event makes stale)', () => {
  const offers = { kind: 'JOB_OFFERS', staffId: '' };
  const deadlines = { kind: 'DEADLINE_NOTICES', staffId: '' };
  it.each([
    ['ticket.assigned', '', [offers]],
    ['ticket.assigned', 'tech-old', [offers, { kind: 'STAFF', staffId: 'tech-old' }]],
    ['ticket.started', '', [offers]],
    ['ticket.completed', '', [offers, deadlines]],
    ['ticket.cancelled', '', [offers, deadlines]],
    ['ticket.created', '', []],
    ['ticket.escalated', '', []],
    ['schedule.sla_warning', '', []],
  ])('%s (previous technician %j) → %j', (key, previous, expected) => {
    expect(supersessionsOf(key, previous)).toEqual(expected);
  });

  it('a delivered / read receipt of an earlier send lifts a CANCELLED delivery as it does a FAILED one; nothing else moves it', () => {
    expect(statusAfterReceipt('CANCELLED', 'delivered')).toBe('DELIVERED');
    expect(statusAfterReceipt('CANCELLED', 'read')).toBe('READ');
    for (const r of ['pending', 'sent', 'failed'] as const) expect(statusAfterReceipt('CANCELLED', r)).toBeNull();
  });
});

describe('quietHoursEnd', () => {
  const jakarta = (hhmm: string) => new Date(`2026-11-22T${hhmm}:00+07:00`);
  const night = { startMinute: 22 * 60, endMinute: 6 * 60, timeZone: 'Asia/Jakarta' };

  it('defers to the end of a window that wraps midnight', () => {
    expect(quietHoursEnd(jakarta('23:30'), night)?.toISOString()).toBe(new Date('2026-11-23T06:00:00+07:00').toISOString());
    expect(quietHoursEnd(jakarta('05:59'), night)?.toISOString()).toBe(jakarta('06:00').toISOString());
  });

  it('lets messages outside the window through (the end minute is outside)', () => {
    expect(quietHoursEnd(jakarta('06:00'), night)).toBeNull();
    expect(quietHoursEnd(jakarta('12:00'), night)).toBeNull();
    expect(quietHoursEnd(jakarta('21:59'), night)).toBeNull();
  });

  it('reads the window in the recipient\'s own time zone', () => {
    // 23:30 WIB is 00:30 WITA (Asia/Makassar): inside 22:00–06:00 there too, ending at 06:00 WITA = 05:00 WIB.
    expect(quietHoursEnd(jakarta('23:30'), { ...night, timeZone: 'Asia/Makassar' })?.toISOString()).toBe(new Date('2026-11-23T05:00:00+07:00').toISOString());
    // 21:30 WIB is 22:30 WITA: quiet in Makassar, not in Jakarta.
    expect(quietHoursEnd(jakarta('21:30'), { ...night, timeZone: 'Asia/Makassar' })).not.toBeNull();
    expect(quietHoursEnd(jakarta('21:30'), night)).toBeNull();
  });

  it('ends at the local end minute across a DST change inside the window (Europe/Berlin, 2026: forward 29 March, back 25 October)', () => {
    const berlin = { startMinute: 22 * 60, endMinute: 6 * 60, timeZone: 'Europe/Berlin' };
    // Clocks go forward at 02:00 → 03:00: 23:00 CET to 06:00 CEST is 6 real hours, not 7.
    expect(quietHoursEnd(new Date('2026-03-28T23:00:00+01:00'), berlin)?.toISOString()).toBe(new Date('2026-03-29T06:00:00+02:00').toISOString());
    // Clocks go back at 03:00 → 02:00: 23:00 CEST to 06:00 CET is 8 real hours.
    expect(quietHoursEnd(new Date('2026-10-24T23:00:00+02:00'), berlin)?.toISOString()).toBe(new Date('2026-10-25T06:00:00+01:00').toISOString());
    // An end minute the spring-forward skips (02:30 does not exist on 29 March): the window ends at the change, 03:00 CEST.
    expect(quietHoursEnd(new Date('2026-03-28T23:00:00+01:00'), { ...berlin, endMinute: 150 })?.toISOString()).toBe(new Date('2026-03-29T03:00:00+02:00').toISOString());
    // No change on the way: as before.
    expect(quietHoursEnd(new Date('2026-03-27T23:00:00+01:00'), berlin)?.toISOString()).toBe(new Date('2026-03-28T06:00:00+01:00').toISOString());
  });

  it('handles a same-day window and no window', () => {
    const lunch = { startMinute: 12 * 60, endMinute: 13 * 60, timeZone: 'Asia/Jakarta' };
    expect(quietHoursEnd(jakarta('12:15'), lunch)?.toISOString()).toBe(jakarta('13:00').toISOString());
    expect(quietHoursEnd(jakarta('13:15'), lunch)).toBeNull();
    expect(quietHoursEnd(jakarta('12:15'), null)).toBeNull();
    expect(quietHoursEnd(jakarta('12:15'), { startMinute: 600, endMinute: 600, timeZone: 'Asia/Jakarta' })).toBeNull();
  });
});

describe('rateLimitDeferral (per recipient, URGENT exempt)', () => {
  const now = new Date('2026-11-22T10:00:00Z');
  const minutesAgo = (m: number) => new Date(now.getTime() - m * 60_000);
  const hour = 3_600_000;

  it('allows up to the limit within the window', () => {
    expect(rateLimitDeferral(now, 'NORMAL', [minutesAgo(5), minutesAgo(10)], 3, hour)).toBeNull();
    expect(rateLimitDeferral(now, 'NORMAL', [minutesAgo(70), minutesAgo(80), minutesAgo(90)], 3, hour)).toBeNull();
  });

  it('defers the excess until the oldest counted message leaves the window', () => {
    const until = rateLimitDeferral(now, 'NORMAL', [minutesAgo(5), minutesAgo(50), minutesAgo(20)], 3, hour);
    expect(until?.getTime()).toBe(minutesAgo(50).getTime() + hour + 1);
  });

  it('exempts URGENT and a limit of 0', () => {
    const many = Array.from({ length: 20 }, (_, i) => minutesAgo(i));
    expect(rateLimitDeferral(now, 'URGENT', many, 10, hour)).toBeNull();
    expect(rateLimitDeferral(now, 'NORMAL', many, 0, hour)).toBeNull();
    expect(rateLimitDeferral(now, 'HIGH', many, 10, hour)).not.toBeNull();
  });
});

describe('decideAfterFailure and backoff', () => {
  const now = new Date('2026-11-22T10:00:00Z');
  const backoff = (round: number) => backoffMs(round, 30_000, 1_800_000, () => 1);

  it('retries with exponential backoff until the last round, then DEAD', () => {
    expect(decideAfterFailure(now, 1, 5, false, backoff)).toEqual({ kind: 'retry', at: new Date(now.getTime() + 30_000) });
    expect(decideAfterFailure(now, 2, 5, false, backoff)).toEqual({ kind: 'retry', at: new Date(now.getTime() + 60_000) });
    expect(decideAfterFailure(now, 4, 5, false, backoff)).toEqual({ kind: 'retry', at: new Date(now.getTime() + 240_000) });
    expect(decideAfterFailure(now, 5, 5, false, backoff)).toEqual({ kind: 'dead' });
  });

  it('gives up at once on a permanent failure', () => {
    expect(decideAfterFailure(now, 1, 5, true, backoff)).toEqual({ kind: 'dead' });
  });

  it("retries no earlier than the providers' Retry-After, and the backoff when that is later", () => {
    expect(decideAfterFailure(now, 1, 5, false, backoff, 120_000)).toEqual({ kind: 'retry', at: new Date(now.getTime() + 120_000) });
    expect(decideAfterFailure(now, 1, 5, false, backoff, 1_000)).toEqual({ kind: 'retry', at: new Date(now.getTime() + 30_000) });
    expect(decideAfterFailure(now, 5, 5, false, backoff, 120_000)).toEqual({ kind: 'dead' });
  });

  it('backoff has equal jitter (half fixed, half random) and a cap', () => {
    expect(backoffMs(1, 1000, 60_000, () => 0)).toBe(500);
    expect(backoffMs(1, 1000, 60_000, () => 1)).toBe(1000);
    expect(backoffMs(20, 1000, 60_000, () => 1)).toBe(60_000);
  });
});

describe('isPermanentReceiptFailure (which failed receipts no retry on the channel can pass)', () => {
  it.each<[string, string | undefined, boolean]>([
    ['fonnte', 'invalid', true], // §1.6 "invalid target number": no WhatsApp on it
    ['fonnte', 'Invalid', true], // the /status look-up's capitalised word
    ['fonnte', 'expired', false], // our device disconnected 7 days: Wablas may send
    ['fonnte', 'failed', false],
    ['twilio', 'undelivered (30005)', true], // unknown destination
    ['twilio', 'undelivered (30006)', true], // landline or unreachable carrier
    ['twilio', 'failed (30004)', true], // blocked
    ['twilio', 'undelivered (30003)', false], // handset unreachable now
    ['twilio', 'undelivered (30007)', false], // carrier filtering: Advanta may pass
    ['twilio', 'undelivered', false],
    ['twilio', 'undelivered (300050)', false],
    ['advanta', 'DeliveryImpossible', true],
    ['advanta', 'AbsentSubscriber', false],
    ['advanta', 'SenderName Blacklisted', false], // our sender id, not the number
    ['wablas', 'invalid', false], // Wablas documents no reason
    ['fonnte', undefined, false],
  ])('%s %s → %s', (provider, error, permanent) => {
    expect(isPermanentReceiptFailure(provider, error)).toBe(permanent);
  });
});

describe('decideAfterFailedReceipt', () => {
  const now = new Date('2026-12-07T03:00:00Z');
  const backoff = (round: number) => round * 1000;
  const policy = { maxRounds: 3, backoff, smsFallbackPriorities: ['URGENT', 'HIGH'] as const, smsConfigured: true };
  const wa = { rounds: 1, channel: 'WHATSAPP' as const, recipientKind: 'CUSTOMER' as const, recipient: '6281234567890', priority: 'URGENT' as const, fallbackBody: 'SMS' };

  it('a permanent WhatsApp failure with a possible fallback goes by SMS now, even after the last round', () => {
    expect(decideAfterFailedReceipt(now, wa, true, policy)).toEqual({ kind: 'sms', at: now });
    expect(decideAfterFailedReceipt(now, { ...wa, rounds: 3 }, true, policy)).toEqual({ kind: 'sms', at: now });
  });

  it('a permanent failure without a fallback is DEAD (permanent): no SMS text, no SMS provider, a group, an SMS delivery', () => {
    // A WhatsApp one says why it did not go by SMS.
    const dead = (noSmsFallback?: string) => ({ kind: 'dead', permanent: true, ...(noSmsFallback ? { noSmsFallback } : {}) });
    expect(decideAfterFailedReceipt(now, { ...wa, fallbackBody: null }, true, policy)).toEqual(dead('no SMS text was rendered for it'));
    expect(decideAfterFailedReceipt(now, wa, true, { ...policy, smsConfigured: false })).toEqual(dead('no SMS provider is configured'));
    expect(decideAfterFailedReceipt(now, { ...wa, priority: 'NORMAL' }, true, policy)).toEqual(dead(`NORMAL is not in SMS_FALLBACK_PRIORITIES (${policy.smsFallbackPriorities.join(',')})`));
    expect(decideAfterFailedReceipt(now, { ...wa, recipientKind: 'GROUP', recipient: '1203630@g.us' }, true, policy)).toEqual(dead('a WhatsApp group has no SMS'));
    expect(decideAfterFailedReceipt(now, { ...wa, channel: 'SMS' }, true, policy)).toEqual(dead());
  });

  it('any other failed receipt is a failed round: retry after backoff(rounds), DEAD (not permanent) after the last', () => {
    expect(decideAfterFailedReceipt(now, wa, false, policy)).toEqual({ kind: 'retry', at: new Date(now.getTime() + 1000) });
    expect(decideAfterFailedReceipt(now, { ...wa, rounds: 3 }, false, policy)).toEqual({ kind: 'dead', permanent: false });
  });

  it('canFallBackToSms: the dispatcher\'s in-round fallback asks the same', () => {
    expect(canFallBackToSms(wa, ['URGENT'], true)).toBe(true);
    expect(canFallBackToSms({ ...wa, recipientKind: 'PHONE', recipient: '1203630@g.us' }, ['URGENT'], true)).toBe(false);
  });

  it('whyNoSmsFallback names the reason a failed WhatsApp delivery did not go by SMS (null when it could)', () => {
    const w = { ...wa, pinnedProvider: null };
    expect(whyNoSmsFallback(w, ['URGENT'], true)).toBeNull();
    expect(whyNoSmsFallback({ ...w, channel: 'SMS' }, ['URGENT'], true)).toBeNull();
    expect(whyNoSmsFallback({ ...w, priority: 'NORMAL' }, ['URGENT', 'HIGH'], true)).toBe('NORMAL is not in SMS_FALLBACK_PRIORITIES (URGENT,HIGH)');
    expect(whyNoSmsFallback(w, [], true)).toBe('URGENT is not in SMS_FALLBACK_PRIORITIES (none)');
    expect(whyNoSmsFallback(w, ['URGENT'], false)).toBe('no SMS provider is configured');
    expect(whyNoSmsFallback({ ...w, fallbackBody: null }, ['URGENT'], true)).toBe('no SMS text was rendered for it');
    expect(whyNoSmsFallback({ ...w, recipient: '1203630@g.us' }, ['URGENT'], true)).toBe('a WhatsApp group has no SMS');
    expect(whyNoSmsFallback({ ...w, pinnedProvider: 'wablas' }, ['URGENT'], true)).toBe('a reply goes out only through the number the person wrote to (wablas)');
  });
});

describe('policy helpers', () => {
  it('SMS fallback only for the configured priorities', () => {
    expect(allowsSmsFallback('URGENT', ['URGENT', 'HIGH'])).toBe(true);
    expect(allowsSmsFallback('HIGH', ['URGENT', 'HIGH'])).toBe(true);
    expect(allowsSmsFallback('NORMAL', ['URGENT', 'HIGH'])).toBe(false);
    expect(allowsSmsFallback('URGENT', [])).toBe(false);
  });

  it('the idempotency key is (source, recipient, channel)', () => {
    expect(deliveryIdempotencyKey('evt-1', '6281234567890', 'WHATSAPP')).toBe('evt-1|6281234567890|WHATSAPP');
    expect(deliveryIdempotencyKey('evt-1', '6281234567890', 'SMS')).not.toBe(deliveryIdempotencyKey('evt-1', '6281234567890', 'WHATSAPP'));
  });
});

describe('successRatePercent (GetStats: succeeded over settled)', () => {
  it('leaves out deliveries still waiting, FAILED with a retry scheduled included, and withdrawn ones', () => {
    // The QA's case: 4 FAILED waiting for their retry while Fonnte was down, 38 READ: 100 %, not 90.5 %.
    expect(successRatePercent({ FAILED: 4, READ: 38 })).toBe(100);
    expect(successRatePercent({ SENT: 2, DELIVERED: 3, READ: 5, DEAD: 10, QUEUED: 7, DEFERRED: 1, SENDING: 2, CANCELLED: 9, FAILED: 3 })).toBe(50);
    expect(successRatePercent({ DEAD: 1 })).toBe(0);
    expect(successRatePercent({ QUEUED: 5, FAILED: 2 })).toBe(0);
    expect(successRatePercent({})).toBe(0);
  });
});

describe('providerError', () => {
  it('names the provider once (QA: "fonnte: fonnte: connection failed")', () => {
    expect(providerError('fonnte', 'fonnte: connection failed (ECONNREFUSED)')).toBe('fonnte: connection failed (ECONNREFUSED)');
    expect(providerError('wablas', 'wablas asked to wait (Retry-After): not called for another 3 s')).toBe('wablas asked to wait (Retry-After): not called for another 3 s');
    expect(providerError('wablas', 'circuit breaker open')).toBe('wablas: circuit breaker open');
    expect(providerError('fonnte', 'fonnteX: odd')).toBe('fonnte: fonnteX: odd');
  });
});
