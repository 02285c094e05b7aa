import { commonv1, gatewayv1 } from '@notify/proto';
import { UsageError } from '../src/args';
import { agoLabel, deliveryDetail, deliveryEventLine, deliveryProviderCell, deliveryStatusCell, deliveryTable, notifyNote, providerTable, statsText, watchEventFilter, withMissingChannelHint } from '../src/commands/deliveries';
import { formatCallError } from '../src/errors';

describe('deliveryDetail', () => {
  const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
  const delivery = (d: Partial<gatewayv1.Delivery>) =>
    gatewayv1.Delivery.fromPartial({
      id: '0b9f7c1e-5b1a-4d4e-9f57-1d2c3b4a5f60',
      recipient: '6281300000001',
      status: gatewayv1.DeliveryStatus.DELIVERY_STATUS_QUEUED,
      body: 'Halo',
      ...d,
    });

  it('prints the trace id on a Trace line, and `-` when the delivery has none', () => {
    expect(deliveryDetail(delivery({ traceId: TRACE_ID }))).toMatch(new RegExp(`^Trace:\\s+${TRACE_ID}$`, 'm'));
    expect(deliveryDetail(delivery({ traceId: '' }))).toMatch(/^Trace:\s+-$/m);
  });

  it('prints the receipt look-ups of a SENT delivery whose receipt never came, nothing when none were made', () => {
    expect(deliveryDetail(delivery({ status: gatewayv1.DeliveryStatus.DELIVERY_STATUS_SENT, receiptChecks: 2 }))).toMatch(/^Receipt look-ups:\s+2 \(its receipt never came; asked the provider\)$/m);
    expect(deliveryDetail(delivery({}))).not.toMatch(/Receipt look-ups/);
  });

  it('prints why a DEFERRED delivery waits beside the time it goes (QA: the reason was only in --json)', () => {
    const at = new Date('2026-12-07T23:00:00Z'); // 06:00 WIB
    const deferred = delivery({ status: gatewayv1.DeliveryStatus.DELIVERY_STATUS_DEFERRED, deferredUntil: at, deferredReason: 'quiet hours' });
    expect(deliveryDetail(deferred)).toMatch(/^Deferred until:\s+2026-12-08 06:00 WIB \(quiet hours\)$/m);
    expect(deliveryDetail({ ...deferred, deferredReason: '' })).toMatch(/^Deferred until:\s+2026-12-08 06:00 WIB$/m);
    expect(deliveryDetail(delivery({}))).not.toMatch(/Deferred until/);
  });

  it('prints why a delivery left WhatsApp for SMS (a receipt said the number cannot get WhatsApp), nothing for the others', () => {
    const moved = delivery({ channel: commonv1.Channel.CHANNEL_SMS, smsFallbackReason: 'fonnte: invalid' });
    expect(deliveryDetail(moved)).toMatch(/^SMS fallback:\s+moved from WhatsApp: fonnte: invalid \(the number cannot get WhatsApp messages\)$/m);
    expect(deliveryDetail(delivery({}))).not.toMatch(/SMS fallback/);
  });

  it('prints the attempts the message carries, `(none)` without', () => {
    const attempt = gatewayv1.DeliveryAttempt.fromPartial({
      number: 1, provider: gatewayv1.Provider.PROVIDER_FONNTE, outcome: gatewayv1.AttemptOutcome.ATTEMPT_OUTCOME_PERMANENT_FAILURE, error: 'invalid target', latencyMs: 12,
    });
    const [, attempts] = deliveryDetail(delivery({ attemptCount: 1, attempts: [attempt] })).split('Attempts:\n');
    expect(attempts!.trimEnd().split('\n')).toEqual([
      expect.stringMatching(/^#\s+PROVIDER\s+OUTCOME\s+HTTP\s+LATENCY MS\s+STARTED\s+ERROR$/),
      expect.stringMatching(/^1\s+FONNTE\s+PERMANENT_FAILURE\s+12\s+invalid target$/),
    ]);
    expect(deliveryDetail(delivery({})).split('Attempts:\n')[1]).toMatch(/\(none\)\n$/);
  });
});

describe('providerTable (deliveries providers)', () => {
  const provider = (p: Partial<gatewayv1.ProviderInfo>) =>
    gatewayv1.ProviderInfo.fromPartial({ channel: commonv1.Channel.CHANNEL_WHATSAPP, enabled: true, breakerState: gatewayv1.BreakerState.BREAKER_STATE_CLOSED, ...p });

  it('shows `-` for the success rate and latencies of a provider with no calls, the numbers otherwise', () => {
    const text = providerTable(
      gatewayv1.ListProvidersResponse.fromPartial({
        providers: [
          provider({ provider: gatewayv1.Provider.PROVIDER_FONNTE, chainPosition: 1, successRatePercent: 92.5, latencyP50Ms: 40, latencyP99Ms: 180, recentCalls: 40 }),
          provider({ provider: gatewayv1.Provider.PROVIDER_WABLAS, chainPosition: 2, successRatePercent: 0, latencyP50Ms: 0, latencyP99Ms: 0, recentCalls: 0 }),
        ],
      }),
    );
    const [header, fonnte, wablas] = text.trimEnd().split('\n');
    expect(header).toMatch(/^CHANNEL\s+#\s+PROVIDER\s+ENABLED\s+BREAKER\s+SUCCESS %\s+P50 MS\s+P99 MS\s+CALLS\s+COST\/MSG\s+LAST ERROR$/);
    expect(fonnte).toMatch(/^WHATSAPP\s+1\s+FONNTE\s+yes\s+CLOSED\s+92\.5\s+40\s+180\s+40\b/);
    expect(wablas).toMatch(/^WHATSAPP\s+2\s+WABLAS\s+yes\s+CLOSED\s+-\s+-\s+-\s+0\b/);
  });

  it('says how long ago the last error was (a closed breaker beside an old error is a provider that recovered)', () => {
    const now = new Date('2026-12-07T03:00:00Z');
    const text = providerTable(
      gatewayv1.ListProvidersResponse.fromPartial({
        providers: [provider({ provider: gatewayv1.Provider.PROVIDER_FONNTE, chainPosition: 1, recentCalls: 3, lastError: 'connect ECONNREFUSED', lastFailureAt: new Date(now.getTime() - 12 * 60_000) })],
      }),
      now,
    );
    expect(text.trimEnd().split('\n')[1]).toMatch(/\s12m ago: connect ECONNREFUSED$/);
    expect(agoLabel(new Date(now.getTime() - 45_000), now)).toBe('45s ago');
    expect(agoLabel(new Date(now.getTime() - 5 * 3_600_000), now)).toBe('5h ago');
    expect(agoLabel(new Date(now.getTime() - 3 * 86_400_000), now)).toBe('3d ago');
    expect(agoLabel(new Date(now.getTime() + 1_000), now)).toBe('now');
  });
});

describe('deliveries providers / stats: a cost that is not configured (*_COST_RUPIAH unset)', () => {
  const { PROVIDER_FONNTE: FONNTE, PROVIDER_WABLAS: WABLAS, PROVIDER_TWILIO: TWILIO } = gatewayv1.Provider;
  const providers = gatewayv1.ListProvidersResponse.fromPartial({
    providers: [
      { provider: FONNTE, channel: commonv1.Channel.CHANNEL_WHATSAPP, chainPosition: 1, enabled: true, breakerState: gatewayv1.BreakerState.BREAKER_STATE_CLOSED, costPerMessageRupiah: '0' },
      { provider: WABLAS, channel: commonv1.Channel.CHANNEL_WHATSAPP, chainPosition: 2, enabled: true, breakerState: gatewayv1.BreakerState.BREAKER_STATE_CLOSED, costPerMessageRupiah: '150' },
      { provider: TWILIO, channel: commonv1.Channel.CHANNEL_SMS, chainPosition: 1, enabled: true, breakerState: gatewayv1.BreakerState.BREAKER_STATE_CLOSED, costPerMessageRupiah: '0' },
    ],
  });
  const costColumn = (table: string) => table.trimEnd().split('\n').slice(1).map((l) => /(\S+(?: \S+)?)$/.exec(l.replace(/\s+$/, ''))![1]);

  it('providers: COST/MSG `not set` where the cost per message is 0 (QA: a blank cell), the amount otherwise', () => {
    const rows = providerTable(providers).trimEnd().split('\n').slice(1);
    expect(rows[0]).toMatch(/\bFONNTE\s+yes\s+CLOSED\s+-\s+-\s+-\s+0\s+not set$/);
    expect(rows[1]).toMatch(/\bWABLAS\s+yes\s+CLOSED\s+-\s+-\s+-\s+0\s+Rp 150$/);
    expect(rows[2]).toMatch(/\bTWILIO\s+yes\s+CLOSED\s+-\s+-\s+-\s+0\s+not set$/);
  });

  const stats = gatewayv1.GetStatsResponse.fromPartial({
    since: new Date('2026-12-01T00:00:00Z'),
    total: 30,
    costRupiah: '3000',
    byProvider: [
      { provider: FONNTE, attempts: 10, accepted: 10, costRupiah: '0' },
      { provider: WABLAS, attempts: 20, accepted: 20, costRupiah: '3000' },
    ],
  });

  it('stats: `not set` for a provider without a cost; the total says it counts only the providers with one', () => {
    const text = statsText(stats, providers);
    expect(text).toMatch(/^Cost:\s+Rp 3\.000 \(counts only providers with a configured cost; not set: FONNTE\)$/m);
    const table = text.split('\n\n').at(-1)!;
    expect(table.split('\n')[0]).toMatch(/^PROVIDER\s+ATTEMPTS\s+ACCEPTED\s+FAILED\s+SUCCESS %\s+MEAN MS\s+COST$/);
    expect(costColumn(table)).toEqual(['not set', 'Rp 3.000']);
  });

  it('stats: the total as it is when every provider used has a cost, or when the providers could not be listed', () => {
    const priced = { ...stats, byProvider: stats.byProvider.filter((p) => p.provider === WABLAS) };
    expect(statsText(priced, providers)).toMatch(/^Cost:\s+Rp 3\.000$/m);
    const unknown = statsText(stats, undefined);
    expect(unknown).toMatch(/^Cost:\s+Rp 3\.000$/m);
    expect(costColumn(unknown.split('\n\n').at(-1)!)).toEqual(['Rp 0', 'Rp 3.000']);
  });
});

describe('deliveryEventLine (deliveries watch)', () => {
  const at = new Date('2026-12-07T02:15:07Z'); // 09:15:07 WIB
  const d = gatewayv1.Delivery.fromPartial({
    id: '0b9f7c1e-5b1a-4d4e-9f57-1d2c3b4a5f60', recipient: '6281300000001', recipientName: 'Budi', channel: commonv1.Channel.CHANNEL_WHATSAPP,
    provider: gatewayv1.Provider.PROVIDER_FONNTE, notificationType: commonv1.NotificationType.NOTIFICATION_TYPE_TICKET_CREATED,
    status: gatewayv1.DeliveryStatus.DELIVERY_STATUS_SENT,
  });

  it('one line per event: WIB time, event, status change, type, recipient, channel and provider, delivery id', () => {
    const line = deliveryEventLine(gatewayv1.DeliveryEvent.fromPartial({
      occurredAt: at, type: gatewayv1.DeliveryEventType.DELIVERY_EVENT_TYPE_SENT, delivery: d, previousStatus: gatewayv1.DeliveryStatus.DELIVERY_STATUS_SENDING,
    }));
    expect(line).toMatch(/^09:15:07 WIB {2}sent {7}SENDING → SENT {8}TICKET_CREATED {2}6281300000001 \(Budi\) {2}WHATSAPP FONNTE {2}0b9f7c1e-5b1a-4d4e-9f57-1d2c3b4a5f60\n$/);
  });

  it('a queued event has no status before it; a failure says why (the attempt\'s error, else the delivery\'s)', () => {
    const queued = deliveryEventLine(gatewayv1.DeliveryEvent.fromPartial({
      occurredAt: at, type: gatewayv1.DeliveryEventType.DELIVERY_EVENT_TYPE_QUEUED,
      delivery: { ...d, status: gatewayv1.DeliveryStatus.DELIVERY_STATUS_QUEUED, provider: gatewayv1.Provider.PROVIDER_UNSPECIFIED },
    }));
    expect(queued).toMatch(/^09:15:07 WIB {2}queued {5}QUEUED {16}TICKET_CREATED {2}6281300000001 \(Budi\) {2}WHATSAPP {2}0b9f7c1e/);
    const failed = (attemptError: string) => deliveryEventLine(gatewayv1.DeliveryEvent.fromPartial({
      occurredAt: at, type: gatewayv1.DeliveryEventType.DELIVERY_EVENT_TYPE_FAILED, previousStatus: gatewayv1.DeliveryStatus.DELIVERY_STATUS_SENDING,
      delivery: { ...d, status: gatewayv1.DeliveryStatus.DELIVERY_STATUS_DEAD, lastError: 'gave up after 5 rounds' },
      ...(attemptError ? { attempt: { error: attemptError } } : {}),
    }));
    expect(failed('connect ECONNREFUSED')).toMatch(/SENDING → DEAD .*0b9f7c1e-5b1a-4d4e-9f57-1d2c3b4a5f60: connect ECONNREFUSED\n$/);
    expect(failed('')).toMatch(/: gave up after 5 rounds\n$/);
  });

  const withdrawn = gatewayv1.DeliveryEvent.fromPartial({
    occurredAt: at, type: gatewayv1.DeliveryEventType.DELIVERY_EVENT_TYPE_FAILED, previousStatus: gatewayv1.DeliveryStatus.DELIVERY_STATUS_DEFERRED,
    delivery: { ...d, status: gatewayv1.DeliveryStatus.DELIVERY_STATUS_CANCELLED, provider: gatewayv1.Provider.PROVIDER_UNSPECIFIED, lastError: 'withdrawn unsent: 6281300000001 opted out of WhatsApp' },
  });
  const dead = gatewayv1.DeliveryEvent.fromPartial({ type: gatewayv1.DeliveryEventType.DELIVERY_EVENT_TYPE_FAILED, delivery: { ...d, status: gatewayv1.DeliveryStatus.DELIVERY_STATUS_DEAD } });
  const sent = gatewayv1.DeliveryEvent.fromPartial({ type: gatewayv1.DeliveryEventType.DELIVERY_EVENT_TYPE_SENT, delivery: d });

  it('a delivery withdrawn unsent is a "withdrawn" event with its reason, not a failure', () => {
    expect(deliveryEventLine(withdrawn)).toMatch(/^09:15:07 WIB {2}withdrawn {2}DEFERRED → CANCELLED {2}TICKET_CREATED .*: withdrawn unsent: 6281300000001 opted out of WhatsApp\n$/);
  });

  it('--event failed keeps the failures without the withdrawals, --event withdrawn only those; both ask the gateway for failed events', () => {
    const failed = watchEventFilter(['failed']);
    expect(failed.types).toEqual([gatewayv1.DeliveryEventType.DELIVERY_EVENT_TYPE_FAILED]);
    expect([dead, withdrawn, sent].map(failed.keep)).toEqual([true, false, false]);
    const w = watchEventFilter(['withdrawn', 'sent']);
    expect(w.types).toEqual([gatewayv1.DeliveryEventType.DELIVERY_EVENT_TYPE_FAILED, gatewayv1.DeliveryEventType.DELIVERY_EVENT_TYPE_SENT]);
    expect([dead, withdrawn, sent].map(w.keep)).toEqual([false, true, true]);
    const all = watchEventFilter([]);
    expect(all.types).toEqual([]);
    expect([dead, withdrawn, sent].map(all.keep)).toEqual([true, true, true]);
    expect(() => watchEventFilter(['bounced'])).toThrow(new UsageError('--event: "bounced" is not one of queued, sent, delivered, read, failed, withdrawn'));
  });
});

describe('deliveries list: when a DEFERRED delivery goes', () => {
  const D = gatewayv1.DeliveryStatus;
  const at = new Date('2026-12-07T23:00:00Z'); // 06:00 WIB
  const delivery = (d: Partial<gatewayv1.Delivery>) =>
    gatewayv1.Delivery.fromPartial({ id: '0b9f7c1e-5b1a-4d4e-9f57-1d2c3b4a5f60', recipient: '6281300000001', channel: commonv1.Channel.CHANNEL_WHATSAPP, ...d });

  it('the STATUS cell of a DEFERRED delivery says until when and why (QA: only deliveries show did); other statuses as they are', () => {
    expect(deliveryStatusCell(delivery({ status: D.DELIVERY_STATUS_DEFERRED, deferredUntil: at }))).toBe('DEFERRED until 2026-12-08 06:00 WIB');
    expect(deliveryStatusCell(delivery({ status: D.DELIVERY_STATUS_DEFERRED, deferredUntil: at, deferredReason: 'quiet hours' }))).toBe(
      'DEFERRED until 2026-12-08 06:00 WIB (quiet hours)',
    );
    expect(deliveryStatusCell(delivery({ status: D.DELIVERY_STATUS_DEFERRED }))).toBe('DEFERRED');
    expect(deliveryStatusCell(delivery({ status: D.DELIVERY_STATUS_QUEUED, deferredUntil: at }))).toBe('QUEUED');
  });

  it('in the table', () => {
    const [header, row] = deliveryTable([delivery({ status: D.DELIVERY_STATUS_DEFERRED, deferredUntil: at })]).split('\n');
    expect(header).toMatch(/^ID\s+TYPE\s+RECIPIENT\s+CHANNEL\s+PROVIDER\s+STATUS\s+ATTEMPTS\s+CREATED\s+LAST ERROR$/);
    expect(row).toMatch(/\sWHATSAPP\s+-\s+DEFERRED until 2026-12-08 06:00 WIB\s+0\b/);
  });
});

describe('deliveries: the PROVIDER cell', () => {
  it('an SMS provider on a WhatsApp delivery is its SMS fallback (QA: WHATSAPP ADVANTA read as a wrong route)', () => {
    const P = gatewayv1.Provider;
    const CH = commonv1.Channel;
    expect(deliveryProviderCell({ channel: CH.CHANNEL_WHATSAPP, provider: P.PROVIDER_ADVANTA })).toBe('ADVANTA (SMS fallback)');
    expect(deliveryProviderCell({ channel: CH.CHANNEL_WHATSAPP, provider: P.PROVIDER_TWILIO })).toBe('TWILIO (SMS fallback)');
    expect(deliveryProviderCell({ channel: CH.CHANNEL_WHATSAPP, provider: P.PROVIDER_WABLAS })).toBe('WABLAS');
    expect(deliveryProviderCell({ channel: CH.CHANNEL_SMS, provider: P.PROVIDER_TWILIO })).toBe('TWILIO');
    expect(deliveryProviderCell({ channel: CH.CHANNEL_WHATSAPP, provider: P.PROVIDER_UNSPECIFIED })).toBe('-');
  });

  it('an SMS provider on a delivery a WhatsApp receipt moved to SMS is its SMS fallback too; its WhatsApp provider before the SMS round is plain', () => {
    const P = gatewayv1.Provider;
    const CH = commonv1.Channel;
    expect(deliveryProviderCell({ channel: CH.CHANNEL_SMS, provider: P.PROVIDER_TWILIO, smsFallbackReason: 'fonnte: invalid' })).toBe('TWILIO (SMS fallback)');
    expect(deliveryProviderCell({ channel: CH.CHANNEL_SMS, provider: P.PROVIDER_FONNTE, smsFallbackReason: 'fonnte: invalid' })).toBe('FONNTE');
  });
});

describe('notifyNote (deliveries notify)', () => {
  const S = gatewayv1.NotificationStatus;
  const ID = '7d0c8e51-3f2a-4b6e-9a1d-2c4e6f8a0b1c';
  const res = (n: Partial<gatewayv1.Notification>) =>
    gatewayv1.NotifyResponse.fromPartial({ notification: { id: ID, status: S.NOTIFICATION_STATUS_RESOLVED, ...n } });

  it('says a Notify reached nobody and why where known, pointing to notifications show (QA: `Deliveries: 0` alone)', () => {
    expect(notifyNote(res({ deliveriesCreated: 0 }))).toBe(
      `note: reached nobody: the routing rules, preferences and opt-outs left nobody (an audience with no one active in it?); see notifyctl notifications show ${ID}`,
    );
    expect(notifyNote(res({ status: S.NOTIFICATION_STATUS_FAILED, deliveriesCreated: 0, leftOut: 1, error: 'missing variable: area' }))).toBe(
      `note: reached nobody: missing variable: area; see notifyctl notifications show ${ID}`,
    );
  });

  it('says who was left out of one that reached others; nothing when everyone was reached', () => {
    expect(notifyNote(res({ deliveriesCreated: 2, leftOut: 1 }))).toBe(
      `note: 1 left out (opted out, no phone, inactive, a channel switched off or a phone another recipient has); see notifyctl notifications show ${ID}`,
    );
    expect(notifyNote(res({ deliveriesCreated: 2 }))).toBeUndefined();
    expect(notifyNote(res({ status: S.NOTIFICATION_STATUS_RESOLVING }))).toBeUndefined();
    expect(notifyNote(gatewayv1.NotifyResponse.fromPartial({}))).toBeUndefined();
  });
});

describe('withMissingChannelHint (deliveries notify)', () => {
  const notFound = (details: string) => Object.assign(new Error(`5 NOT_FOUND: ${details}`), { code: 5, details, metadata: undefined });
  it('adds the way out to a template missing on a channel asked for, and leaves other errors alone', () => {
    const hinted = withMissingChannelHint(notFound('template upgrade.offer/SMS/id not found'));
    expect(formatCallError(hinted, 'gateway')).toBe(
      'error: NOT_FOUND: template upgrade.offer/SMS/id not found; upgrade.offer has no SMS version in locale id: leave --channel sms out, or add one (notifyctl templates edit upgrade.offer --channel sms)',
    );
    const other = notFound('customer 1234 not found');
    expect(withMissingChannelHint(other)).toBe(other);
  });

  it('a key no template has is said to be no template key (QA: told to leave out a --channel not given); without --channel, the channels the key has are offered', () => {
    const CH = commonv1.Channel;
    expect(formatCallError(withMissingChannelHint(notFound('template nope.nope/WHATSAPP/id not found'), [], false), 'gateway')).toBe(
      'error: NOT_FOUND: template nope.nope/WHATSAPP/id not found; nope.nope is not a template key (notifyctl templates list shows them; --template is optional: the type\'s standard template)',
    );
    expect(formatCallError(withMissingChannelHint(notFound('template upgrade.offer/SMS/id not found'), [CH.CHANNEL_WHATSAPP], false), 'gateway')).toBe(
      'error: NOT_FOUND: template upgrade.offer/SMS/id not found; upgrade.offer has no SMS version in locale id (a recipient\'s channel): add one (notifyctl templates edit upgrade.offer --channel sms) or send on WHATSAPP (--channel whatsapp)',
    );
  });
});
