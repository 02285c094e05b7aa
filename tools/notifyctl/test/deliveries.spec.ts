import { gatewayv1 } from '@notify/proto';
import { deliveryDetail } from '../src/commands/deliveries';

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
