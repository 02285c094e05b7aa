import { commonv1, gatewayv1 } from '@notify/proto';
import { deliveryDetail, deliveryEventLine, providerTable } from '../src/commands/deliveries';

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
});
