// Delivery.trace_id from the stored trace context (deliveries.trace_context): the trace id field
// of a valid `traceparent`, else empty. The customer service's Recipient as the pipeline reads it.
import { commonv1, customerv1 } from '@notify/proto';
import type { DeliveryRecord } from '../../src/domain';
import { leftOutFromProto, recipientFromProto } from '../../src/infrastructure/clients/grpc-recipient.directory';
import { deliveryEventToProto, deliveryToProto, traceIdOf } from '../../src/transport/proto/delivery.proto-mapper';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';

describe('traceIdOf', () => {
  it.each<[string, Record<string, string> | null, string]>([
    ['a sampled traceparent', { traceparent: `00-${TRACE_ID}-00f067aa0ba902b7-01` }, TRACE_ID],
    ['an unsampled one, with tracestate', { traceparent: `00-${TRACE_ID}-00f067aa0ba902b7-00`, tracestate: 'rojo=00f067aa0ba902b7' }, TRACE_ID],
    ['no context (tracing off)', null, ''],
    ['a context without traceparent', { tracestate: 'rojo=1' }, ''],
    ['an all-zero trace id', { traceparent: '00-00000000000000000000000000000000-00f067aa0ba902b7-01' }, ''],
    ['upper-case hex', { traceparent: `00-${TRACE_ID.toUpperCase()}-00f067aa0ba902b7-01` }, ''],
    ['a short trace id', { traceparent: '00-4bf92f3577b34da6-00f067aa0ba902b7-01' }, ''],
    ['not a traceparent', { traceparent: 'garbage' }, ''],
  ])('%s → %j', (_what, ctx, expected) => {
    expect(traceIdOf(ctx)).toBe(expected);
  });
});

describe('deliveryToProto trace_id', () => {
  const at = new Date('2026-12-07T02:00:00.000Z');
  const record = (traceContext: DeliveryRecord['traceContext']): DeliveryRecord => ({
    id: '0b9f7c1e-5b1a-4d4e-9f57-1d2c3b4a5f60', notificationId: '1c2d3e4f-5a6b-4c7d-8e9f-a0b1c2d3e4f5', idempotencyKey: 'k|6281300000001|WHATSAPP',
    notificationType: 'WELCOME', ticketId: null, sourceEventId: null, recipient: '6281300000001', recipientKind: 'PHONE', recipientId: null, recipientName: '',
    channel: 'WHATSAPP', priority: 'NORMAL', locale: 'ID', templateKey: 'customer.welcome', templateVersion: 1, body: 'Halo', fallbackBody: null, quietHours: null,
    status: 'QUEUED', dueAt: at, deferredUntil: null, deferredReason: null, nextAttemptAt: null, leaseUntil: null, smsFallbackReason: null, rounds: 0, uncountedRounds: 0, attemptCount: 0, pinnedProvider: null, traceContext,
    provider: null, providerMessageId: null, providerStateId: null, lastError: null, costRupiah: 0, failover: false, createdAt: at, updatedAt: at,
    sentAt: null, deliveredAt: null, readAt: null, receiptChecks: 0,
  });

  it('is the stored traceparent\'s trace id, also in the delivery events; empty without a context', () => {
    const traced = record({ traceparent: `00-${TRACE_ID}-00f067aa0ba902b7-01` });
    expect(deliveryToProto(traced).traceId).toBe(TRACE_ID);
    expect(deliveryEventToProto({ eventId: 'e', kind: 'queued', delivery: traced, previousStatus: null, at }).delivery!.traceId).toBe(TRACE_ID);
    expect(deliveryToProto(record(null)).traceId).toBe('');
  });

  it('carries the deferral reason while DEFERRED, and none in the other states', () => {
    const deferred = { ...record(null), status: 'DEFERRED' as const, deferredUntil: at, deferredReason: 'quiet hours' };
    expect(deliveryToProto(deferred).deferredReason).toBe('quiet hours');
    expect(deliveryToProto({ ...deferred, status: 'QUEUED' }).deferredReason).toBe('');
  });

  it('carries the receipt look-ups made of its current message', () => {
    expect(deliveryToProto({ ...record(null), status: 'SENT', receiptChecks: 3 }).receiptChecks).toBe(3);
    expect(deliveryToProto(record(null)).receiptChecks).toBe(0);
  });
});

describe('recipientFromProto (customer service → pipeline)', () => {
  it('carries sms_fallback_refused (a number opted out of SMS, or SMS switched off) through; absent when false', () => {
    const wire = customerv1.Recipient.fromPartial({
      kind: commonv1.RecipientKind.RECIPIENT_KIND_CUSTOMER, id: 'c-1', name: 'Siti', channel: commonv1.Channel.CHANNEL_WHATSAPP, address: '6282291921583',
      templateKey: 'ticket.created.disturbance', audience: commonv1.AudienceKind.AUDIENCE_KIND_CUSTOMER,
    });
    const decoded = (r: customerv1.Recipient) => recipientFromProto(customerv1.Recipient.decode(customerv1.Recipient.encode(r).finish()));
    expect(decoded({ ...wire, smsFallbackRefused: true })).toMatchObject({ channel: 'WHATSAPP', smsFallbackRefused: true });
    expect(decoded(wire)).not.toHaveProperty('smsFallbackRefused');
  });
});

describe('leftOutFromProto (who a notification left out, as it keeps them)', () => {
  it('words SHARED_PHONE with its channel; leaves out the actor of the change', () => {
    const R = customerv1.LeftOutReason;
    const out = leftOutFromProto([
      customerv1.LeftOutRecipient.fromPartial({ kind: commonv1.RecipientKind.RECIPIENT_KIND_STAFF, id: 's-1', name: 'Budi', reason: R.LEFT_OUT_REASON_SHARED_PHONE, channel: commonv1.Channel.CHANNEL_WHATSAPP }),
      customerv1.LeftOutRecipient.fromPartial({ kind: commonv1.RecipientKind.RECIPIENT_KIND_STAFF, id: 's-2', name: 'Andi', reason: R.LEFT_OUT_REASON_IS_ACTOR }),
    ]);
    expect(out).toEqual([{ kind: 'STAFF', id: 's-1', address: '', name: 'Budi', reason: 'its phone already gets this notification on WHATSAPP as another recipient', channel: 'WHATSAPP' }]);
  });
});
