// A receipt is handled in a span `gateway.receipt` that names the delivery it moved and is linked
// to the trace the delivery was made in (its stored trace context), so a tracing UI goes from the
// send to its receipts and back (SRE QA: the webhook's trace named no delivery, no link).
import { createLogger } from '@notify/logger';
import { createTestTracing, type TestTracing } from '@notify/telemetry';
import { HandleReceiptUseCase, type DeliveryStore, type ReceiptResult } from '../../src/application';
import type { DeliveryRecord } from '../../src/domain';

describe('HandleReceiptUseCase: the receipt span', () => {
  let tracing: TestTracing;
  beforeAll(() => {
    tracing = createTestTracing();
  });
  afterAll(async () => {
    await tracing.shutdown();
  });
  beforeEach(() => tracing.reset());

  const sentTrace = { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7' };
  const delivery = {
    id: '00000000-0000-4000-8000-00000000d001', status: 'DELIVERED', provider: 'fonnte', providerMessageId: '80731404', rounds: 1,
    lastError: null, nextAttemptAt: null, smsFallbackReason: null, traceContext: { traceparent: `00-${sentTrace.traceId}-${sentTrace.spanId}-01` },
  } as unknown as DeliveryRecord;
  const useCase = (result: ReceiptResult) => new HandleReceiptUseCase({
    store: { applyReceipt: async () => result } as unknown as DeliveryStore,
    clock: () => new Date('2026-12-07T03:00:00Z'), logger: createLogger({ service: 'gateway', level: 'silent' }), maxRounds: 3, backoff: { initialMs: 1000, maxMs: 60_000 },
  } as never);

  it('names the delivery and the move, and links the trace the delivery was made in', async () => {
    await expect(useCase({ kind: 'applied', delivery, from: 'SENT' }).execute({ provider: 'fonnte', providerMessageId: '80731404', status: 'delivered', at: new Date() })).resolves.toBe('applied');
    const [span] = tracing.spansNamed('gateway.receipt');
    expect(span!.attributes).toMatchObject({
      'notify.provider': 'fonnte', 'notify.provider_message_id': '80731404', 'notify.receipt_status': 'delivered',
      'notify.delivery_id': delivery.id, 'notify.delivery.from': 'SENT', 'notify.delivery.status': 'DELIVERED', 'notify.receipt_outcome': 'applied',
    });
    expect(span!.links.map((l) => [l.context.traceId, l.context.spanId])).toEqual([[sentTrace.traceId, sentTrace.spanId]]);
    expect(span!.spanContext().traceId).not.toBe(sentTrace.traceId);
  });

  it('a kept receipt (no delivery yet) has no link and says it was kept', async () => {
    await useCase({ kind: 'kept' }).execute({ provider: 'fonnte', providerMessageId: '80731405', status: 'read', at: new Date() });
    const [span] = tracing.spansNamed('gateway.receipt');
    expect(span!.links).toEqual([]);
    expect(span!.attributes['notify.receipt_outcome']).toBe('kept');
    expect(span!.attributes['notify.delivery_id']).toBeUndefined();
  });
});
