import type * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { ValidationError } from '@notify/errors';
import { PROTO_ROOT, SERVICE_CATALOG, customerv1, gatewayv1, schedulerv1, ticketv1 } from '@notify/proto';
import { BinaryWriter } from '@bufbuild/protobuf/wire';
import { invalidTimestampOf, withTimestampCheck } from '../src/timestamp.guard';

// The descriptors startGrpcServer loads from the services' protoFiles (reflection).
const descriptors = protoLoader.loadSync(Object.values(SERVICE_CATALOG).flatMap((e) => [...e.protoFiles]), {
  includeDirs: [PROTO_ROOT], keepCase: true, longs: String, enums: String, defaults: true, oneofs: true,
});
// Raw bytes (as @notify/testing's timestampBytes / messageField, which grpc-kit's tests cannot
// import): a Timestamp with any seconds / nanos, and a length-delimited message field.
const timestampBytes = (seconds: string, nanos = 0): Uint8Array => new BinaryWriter().uint32(8).int64(seconds).uint32(16).int32(nanos).finish();
const messageField = (no: number, inner: Uint8Array): Uint8Array => new BinaryWriter().uint32((no << 3) | 2).bytes(inner).finish();
const checked = (definition: object) => withTimestampCheck(definition as grpc.ServiceDefinition, descriptors);
const gateway = checked(gatewayv1.NotificationServiceService);
const ticket = checked(ticketv1.TicketServiceService);
const scheduler = checked(schedulerv1.SchedulerServiceService);
const customer = checked(customerv1.CustomerServiceService);

/** Decodes `bytes` with the (wrapped) deserializer of `method` and returns the request's wire-check error. */
const problemOf = (definition: grpc.ServiceDefinition, method: string, ...parts: Uint8Array[]): ValidationError | undefined => {
  const request = definition[method]!.requestDeserialize(Buffer.concat(parts));
  return invalidTimestampOf(request);
};

describe('wire check of google.protobuf.Timestamp fields (ts-proto useDate loses what made them invalid)', () => {
  const ts = timestampBytes;
  const f = messageField;

  it('ListDeliveries created.to seconds 99999999999999 (an Invalid Date once decoded) → created.to, with the seconds', () => {
    const err = problemOf(gateway, 'listDeliveries', f(9, f(2, ts('99999999999999'))));
    expect(err).toBeInstanceOf(ValidationError);
    expect([err!.field, err!.message]).toEqual(['created.to', 'created.to: must be a timestamp between 0001-01-01 and 9999-12-31, got seconds 99999999999999']);
  });

  it('nanos outside 0..999999999 (only shift the decoded Date) are caught: 2000000000 and -5', () => {
    expect(problemOf(gateway, 'listNotifications', f(1, f(1, ts('1777618800', 2_000_000_000))))?.message).toBe('created.from: nanos must be 0 to 999999999, got 2000000000');
    expect(problemOf(gateway, 'getStats', f(1, ts('1777618800', -5)))?.message).toBe('since: nanos must be 0 to 999999999, got -5');
  });

  it('seconds one below 0001-01-01 (a valid JS Date of year 0) → since', () => {
    expect(problemOf(gateway, 'getStats', f(1, ts('-62135596801')))?.message).toMatch(/^since: must be a timestamp between .*got seconds -62135596801$/);
  });

  it('every service: ticket sla_due.to / from, scheduler send_at / started.from, customer staff.updated_at (nested)', () => {
    expect(problemOf(ticket, 'listTickets', f(6, f(2, ts('99999999999999'))))?.field).toBe('sla_due.to');
    expect(problemOf(ticket, 'getTicketStats', f(1, ts('-99999999999999')))?.field).toBe('from');
    expect(problemOf(scheduler, 'scheduleCampaign', f(5, ts('99999999999999')))?.field).toBe('send_at');
    expect(problemOf(scheduler, 'listJobRuns', f(2, f(1, ts('0', 1_000_000_000))))?.field).toBe('started.from');
    expect(problemOf(customer, 'updateStaff', f(1, f(8, ts('0', -1))))?.field).toBe('staff.updated_at');
  });

  it('valid Timestamps (the bounds included) pass and decode as before; the rest of the request is untouched', () => {
    const base = gatewayv1.ListDeliveriesRequest.encode(gatewayv1.ListDeliveriesRequest.fromPartial({ recipient: '6281234567890' })).finish();
    const bytes = Buffer.concat([base, f(9, Buffer.concat([f(1, ts('-62135596800')), f(2, ts('253402300799', 999_000_000))]))]);
    const request = gateway['listDeliveries']!.requestDeserialize(bytes) as gatewayv1.ListDeliveriesRequest;
    expect(invalidTimestampOf(request)).toBeUndefined();
    expect(request.recipient).toBe('6281234567890');
    expect(request.created?.from?.toISOString()).toBe('0001-01-01T00:00:00.000Z');
    expect(request.created?.to?.toISOString()).toBe('9999-12-31T23:59:59.999Z');
    // The last valid instant: ts-proto's float arithmetic rounds it up to 10000-01-01, which the
    // entry points' Date check (timestampFromProto) lets through as that one rounding artifact.
    const last = gateway['getStats']!.requestDeserialize(Buffer.from(f(1, ts('253402300799', 999_999_999)))) as gatewayv1.GetStatsRequest;
    expect(invalidTimestampOf(last)).toBeUndefined();
    expect(last.since?.toISOString()).toBe('+010000-01-01T00:00:00.000Z');
  });

  it('RPCs whose request holds no Timestamp keep their deserializer (not read twice)', () => {
    const original = gatewayv1.NotificationServiceService as unknown as grpc.ServiceDefinition;
    expect(gateway['getDelivery']!.requestDeserialize).toBe(original['getDelivery']!.requestDeserialize);
    expect(gateway['listDeliveries']!.requestDeserialize).not.toBe(original['listDeliveries']!.requestDeserialize);
  });
});

